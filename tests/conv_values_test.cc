// Values of the scalar reference and the SIMD engine on cases small enough to compute by hand,
// and the defining property of Conv2DTranspose: it is the adjoint (gradient) of the forward
// convolution whose input has the transposed output's length (TensorFlow's conv2d_transpose).
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "engine/activation.h"
#include "engine/conv.h"
#include "engine/error.h"
#include "tests/test_util.h"

using namespace convscope;
using convscope::test::iota_tensor;
using convscope::test::random_tensor;

namespace {

Tensor ones(std::vector<int64_t> shape) {
  Tensor t(std::move(shape));
  for (float& v : t.data) v = 1.0f;
  return t;
}

// Runs the layer with both implementations, checks they agree, returns the reference result.
Tensor run_both(const Layer& layer, const Tensor& x, const Tensor& k, const Tensor* b = nullptr) {
  RunOptions ref;
  ref.impl = Implementation::Reference;
  const Tensor r = run_layer(layer, x, k, b, ref);
  const Tensor s = run_layer(layer, x, k, b);
  REQUIRE(r.shape == s.shape);
  for (size_t i = 0; i < r.data.size(); ++i) CHECK(s.data[i] == doctest::Approx(r.data[i]).epsilon(1e-5));
  return r;
}

float at(const Tensor& t, int64_t y, int64_t x) { return t.data[static_cast<size_t>(y * t.dim(2) + x)]; }

}  // namespace

TEST_CASE("values: 3x3 ramp with a 2x2 box kernel, valid") {
  Layer l;
  l.kernel_h = l.kernel_w = 2;
  const Tensor y = run_both(l, iota_tensor({1, 3, 3, 1}), ones({2, 2, 1, 1}));
  CHECK(y.shape == std::vector<int64_t>{1, 2, 2, 1});
  CHECK(y.data == std::vector<float>{12, 16, 24, 28});
}

TEST_CASE("values: 'same' with stride 2 pads one more row and column after (TensorFlow's split)") {
  // 6x6 ramp 1..36, 3x3 box, stride 2: pad total 1 -> 0 before, 1 after.
  Layer l;
  l.stride_h = l.stride_w = 2;
  l.padding.kind = PaddingKind::Same;
  const Tensor y = run_both(l, iota_tensor({1, 6, 6, 1}), ones({3, 3, 1, 1}));
  REQUIRE(y.shape == std::vector<int64_t>{1, 3, 3, 1});
  CHECK(at(y, 0, 0) == 72);   // rows 0-2, cols 0-2: 1+2+3 + 7+8+9 + 13+14+15
  CHECK(at(y, 2, 2) == 130);  // rows 4-5, cols 4-5 (+ padding): 29+30+35+36
  CHECK(at(y, 0, 2) == 5 + 6 + 11 + 12 + 17 + 18);
  // Even kernel: 5x5 ramp, 2x2 box, stride 2 -> pad total 1, after only.
  l.kernel_h = l.kernel_w = 2;
  const Tensor z = run_both(l, iota_tensor({1, 5, 5, 1}), ones({2, 2, 1, 1}));
  REQUIRE(z.shape == std::vector<int64_t>{1, 3, 3, 1});
  CHECK(at(z, 0, 0) == 1 + 2 + 6 + 7);
  CHECK(at(z, 0, 2) == 5 + 10);
  CHECK(at(z, 2, 2) == 25);
}

TEST_CASE("values: dilation 2 makes a 3x3 kernel reach 5x5") {
  Layer l;
  l.dilation_h = l.dilation_w = 2;
  Tensor k = iota_tensor({3, 3, 1, 1});  // weights 1..9
  const Tensor x = iota_tensor({1, 5, 5, 1});
  const Tensor y = run_both(l, x, k);
  REQUIRE(y.shape == std::vector<int64_t>{1, 1, 1, 1});
  float expected = 0;
  for (int ky = 0; ky < 3; ++ky)
    for (int kx = 0; kx < 3; ++kx) expected += (ky * 3 + kx + 1) * (2 * ky * 5 + 2 * kx + 1);
  CHECK(y.data[0] == expected);
}

TEST_CASE("values: explicit padding, groups, bias and activation") {
  Layer l;
  l.kernel_h = l.kernel_w = 1;
  l.filters = 2;
  l.groups = 2;
  l.padding = Padding{PaddingKind::Explicit, 1, 0, 0, 2};
  l.activation = Activation::Relu;
  Tensor x({1, 1, 1, 2});
  x.data = {3, 5};
  Tensor k({1, 1, 1, 2});
  k.data = {2, -1};  // channel 0 x2, channel 1 x(-1): groups keep them apart
  Tensor b({2});
  b.data = {1, 1};
  const Tensor y = run_both(l, x, k, &b);
  REQUIRE(y.shape == std::vector<int64_t>{1, 2, 3, 2});
  // Padded cells hold zeros: bias only; the real pixel is at (1, 0).
  CHECK(y.data == std::vector<float>{1, 1, 1, 1, 1, 1, 7, 0, 1, 1, 1, 1});
}

TEST_CASE("values: transposed convolution scatters the kernel without flipping it") {
  Layer l;
  l.transpose = true;
  l.kernel_h = 1;
  l.kernel_w = 3;
  Tensor k({1, 3, 1, 1});
  k.data = {1, 2, 3};
  const Tensor y = run_both(l, ones({1, 1, 1, 1}), k);
  CHECK(y.data == std::vector<float>{1, 2, 3});
}

TEST_CASE("values: transposed 'same' with stride 2 (TensorFlow crops the extra row at the end)") {
  // x = [[1,2],[3,4]], 3x3 ones, stride 2: full result 5x5, cropped to 4x4 keeping rows 0-3.
  // Output row r receives input rows {0},{0},{0,1},{1}.
  Layer l;
  l.transpose = true;
  l.stride_h = l.stride_w = 2;
  l.padding.kind = PaddingKind::Same;
  const Tensor y = run_both(l, iota_tensor({1, 2, 2, 1}), ones({3, 3, 1, 1}));
  REQUIRE(y.shape == std::vector<int64_t>{1, 4, 4, 1});
  CHECK(y.data == std::vector<float>{1, 1, 3, 2, 1, 1, 3, 2, 4, 4, 10, 6, 3, 3, 7, 4});
}

TEST_CASE("values: Conv2DTranspose is the adjoint of the matching forward Conv2D (TF's definition)") {
  // <conv(u), v> == <u, conv_transpose(v)> for the forward conv of an input as long as the
  // transposed output, for every case TensorFlow accepts.
  std::mt19937 rng(7);
  int checked = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::uniform_int_distribution<int> small(1, 4), pick(0, 1), chans(1, 3);
    Layer t;
    t.transpose = true;
    t.kernel_h = small(rng);
    t.kernel_w = small(rng);
    t.stride_h = small(rng);
    t.stride_w = small(rng);
    if (pick(rng)) t.dilation_h = t.stride_h == 1 ? small(rng) : 1;
    t.padding.kind = pick(rng) ? PaddingKind::Same : PaddingKind::Valid;
    if (pick(rng)) {
      t.output_padding_h = std::uniform_int_distribution<int>(0, t.stride_h - 1)(rng);
      t.output_padding_w = std::uniform_int_distribution<int>(0, t.stride_w - 1)(rng);
    }
    t.filters = chans(rng);
    t.use_bias = false;
    const int64_t in_h = small(rng) + 1, in_w = small(rng) + 1, in_c = chans(rng);
    ConvPlan tp;
    try {
      tp = plan_conv(t, 1, in_h, in_w, in_c);
    } catch (const UserError&) {
      continue;
    }
    // The forward layer with the same kernel: input (L_h, L_w, filters) -> output (in_h, in_w, in_c).
    Layer f = t;
    f.transpose = false;
    f.output_padding_h = f.output_padding_w = -1;
    f.filters = static_cast<int>(in_c);
    const ConvPlan fp = plan_conv(f, 1, tp.out_h, tp.out_w, t.filters);
    if (fp.out_h != in_h || fp.out_w != in_w) continue;  // TensorFlow rejects this combination
    // Conv2D kernel (KH,KW,Cin=filters,Cout=in_c) and Conv2DTranspose kernel (KH,KW,filters,in_c)
    // are the same array.
    const Tensor k = random_tensor({t.kernel_h, t.kernel_w, t.filters, in_c}, rng);
    const Tensor u = random_tensor({1, tp.out_h, tp.out_w, t.filters}, rng);
    const Tensor v = random_tensor({1, in_h, in_w, in_c}, rng);
    RunOptions ref;
    ref.impl = Implementation::Reference;
    const Tensor fu = run_layer(f, u, k, nullptr, ref);
    const Tensor tv = run_layer(t, v, k, nullptr, ref);
    double lhs = 0, rhs = 0;
    for (size_t i = 0; i < fu.data.size(); ++i) lhs += double{fu.data[i]} * v.data[i];
    for (size_t i = 0; i < tv.data.size(); ++i) rhs += double{u.data[i]} * tv.data[i];
    INFO("trial " << trial);
    CHECK(lhs == doctest::Approx(rhs).epsilon(1e-4));
    ++checked;
  }
  CHECK(checked > 100);
}

TEST_CASE("values: channels_first gives the channels_last result, transposed") {
  std::mt19937 rng(3);
  Layer l;
  l.filters = 4;
  l.padding.kind = PaddingKind::Same;
  l.stride_h = 2;
  const Tensor x = random_tensor({2, 7, 9, 3}, rng);
  const Tensor k = random_tensor({3, 3, 3, 4}, rng);
  const Tensor y_last = run_both(l, x, k);
  l.data_format = DataFormat::ChannelsFirst;
  const Tensor y_first = run_both(l, to_channels_first(x), k);
  CHECK(y_first.shape == std::vector<int64_t>{2, 4, 4, 9});
  CHECK(to_channels_last(y_first).data == y_last.data);
}

TEST_CASE("values: a rank-3 input is one image and gives a rank-3 output") {
  Layer l;
  l.kernel_h = l.kernel_w = 2;
  const Tensor y = run_both(l, iota_tensor({3, 3, 1}), ones({2, 2, 1, 1}));
  CHECK(y.shape == std::vector<int64_t>{2, 2, 1});
  CHECK(y.data == std::vector<float>{12, 16, 24, 28});
}

TEST_CASE("values: activations match Keras at hand-checked points") {
  CHECK(activate(Activation::Relu, -2) == 0);
  CHECK(activate(Activation::Sigmoid, 0) == doctest::Approx(0.5));
  CHECK(activate(Activation::Tanh, 1) == doctest::Approx(0.7615942));
  CHECK(activate(Activation::Softplus, 0) == doctest::Approx(0.6931472));
  CHECK(activate(Activation::Softplus, 100) == doctest::Approx(100));
  CHECK(activate(Activation::Softsign, 1) == doctest::Approx(0.5));
  CHECK(activate(Activation::Elu, -1) == doctest::Approx(-0.6321206));
  CHECK(activate(Activation::Selu, -1) == doctest::Approx(-1.1113307));
  CHECK(activate(Activation::Selu, 1) == doctest::Approx(1.0507010));
  CHECK(activate(Activation::Gelu, 1) == doctest::Approx(0.8413447));
  CHECK(activate(Activation::Swish, 1) == doctest::Approx(0.7310586));
  CHECK(activate(Activation::HardSigmoid, 1) == doctest::Approx(0.6666667));
  CHECK(activate(Activation::HardSigmoid, 4) == 1);
  CHECK(activate(Activation::Exponential, 1) == doctest::Approx(2.7182818));
  CHECK(activate(Activation::LeakyRelu, -1) == doctest::Approx(-0.2));
  CHECK(activate(Activation::Linear, -3) == -3);
}

TEST_CASE("values: mismatched kernel and bias shapes are refused with the expected shape") {
  Layer l;
  l.filters = 2;
  CHECK_THROWS_WITH_AS(run_layer(l, ones({1, 4, 4, 3}), ones({3, 3, 1, 2}), nullptr),
                       doctest::Contains("expected (3, 3, 3, 2)"), UserError);
  Tensor b({3});
  CHECK_THROWS_WITH_AS(run_layer(l, ones({1, 4, 4, 3}), ones({3, 3, 3, 2}), &b),
                       doctest::Contains("bias shape (3,)"), UserError);
}

TEST_CASE("values: absurd dilations run without an absurd allocation and still agree") {
  // Found by fuzz_shape: a padded-row ring sized by a 131075-row dilated extent asked for 824 GB.
  std::mt19937 rng(5);
  Layer l;
  l.filters = 4;
  l.stride_h = l.stride_w = 2;
  l.dilation_h = 65537;
  l.dilation_w = 262145;
  l.padding.kind = PaddingKind::Same;
  l.activation = Activation::Relu;
  const Tensor y = run_both(l, random_tensor({1, 3, 9, 3}, rng), random_tensor({3, 3, 3, 4}, rng));
  CHECK(y.shape == std::vector<int64_t>{1, 2, 5, 4});
}
