// Shape inference against Keras's own formulas (keras/src/utils/conv_utils.py, transcribed
// below literally) over a sweep, plus the worked examples of the convolution-arithmetic guide.
#include <doctest/doctest.h>

#include <optional>

#include "engine/error.h"
#include "engine/shape.h"

using namespace convscope;

namespace {

// keras conv_utils.conv_output_length (padding 'valid' | 'same' | 'full').
int64_t keras_conv_output_length(int64_t input_length, int64_t filter_size, const std::string& padding,
                                 int64_t stride, int64_t dilation) {
  const int64_t dilated_filter_size = filter_size + (filter_size - 1) * (dilation - 1);
  int64_t output_length = 0;
  if (padding == "same") output_length = input_length;
  else if (padding == "valid") output_length = input_length - dilated_filter_size + 1;
  else if (padding == "full") output_length = input_length + dilated_filter_size - 1;
  return (output_length + stride - 1) / stride;  // Python // on non-negative values
}

// keras conv_utils.deconv_output_length; output_padding std::nullopt = None.
int64_t keras_deconv_output_length(int64_t input_length, int64_t filter_size, const std::string& padding,
                                   std::optional<int64_t> output_padding, int64_t stride, int64_t dilation) {
  filter_size = filter_size + (filter_size - 1) * (dilation - 1);
  int64_t length = 0;
  if (!output_padding) {
    if (padding == "valid") length = input_length * stride + std::max<int64_t>(filter_size - stride, 0);
    else if (padding == "full") length = input_length * stride - (stride + filter_size - 2);
    else if (padding == "same") length = input_length * stride;
  } else {
    int64_t pad = 0;
    if (padding == "same") pad = filter_size / 2;
    else if (padding == "valid") pad = 0;
    else if (padding == "full") pad = filter_size - 1;
    length = (input_length - 1) * stride + filter_size - 2 * pad + *output_padding;
  }
  return length;
}

}  // namespace

TEST_CASE("shape: Conv2D output length equals Keras conv_output_length over a sweep") {
  int checked = 0;
  for (const std::string pad : {"valid", "same", "full"})
    for (int64_t in = 1; in <= 17; ++in)
      for (int k = 1; k <= 6; ++k)
        for (int s = 1; s <= 4; ++s)
          for (int d = 1; d <= 3; ++d) {
            const int64_t expected = keras_conv_output_length(in, k, pad, s, d);
            if (expected < 1 || (pad == "valid" && (k - 1) * d + 1 > in)) {
              CHECK_THROWS_AS(plan_conv_axis("height", in, k, s, d, parse_padding_kind(pad), 0, 0), UserError);
              continue;
            }
            const AxisPlan a = plan_conv_axis("height", in, k, s, d, parse_padding_kind(pad), 0, 0);
            INFO(pad << " in=" << in << " k=" << k << " s=" << s << " d=" << d);
            CHECK(a.out == expected);
            // The padding applied reproduces the length through the explicit-padding formula.
            CHECK((in + a.pad_before + a.pad_after - a.extent) / s + 1 == expected);
            ++checked;
          }
  CHECK(checked > 1000);
}

TEST_CASE("shape: 'same' padding follows TensorFlow's split (extra row after)") {
  // pad_total = max((ceil(in/s) - 1)*s + (k-1)*d + 1 - in, 0); before = total // 2.
  for (int64_t in = 1; in <= 20; ++in)
    for (int k = 1; k <= 7; ++k)
      for (int s = 1; s <= 3; ++s)
        for (int d = 1; d <= 2; ++d) {
          const AxisPlan a = plan_conv_axis("width", in, k, s, d, PaddingKind::Same, 0, 0);
          const int64_t total = std::max<int64_t>(((in + s - 1) / s - 1) * s + (k - 1) * d + 1 - in, 0);
          CHECK(a.pad_before == total / 2);
          CHECK(a.pad_after == total - total / 2);
        }
  // The classic example: 6 wide, 3x3, stride 2 -> one column of padding, on the right only.
  const AxisPlan a = plan_conv_axis("width", 6, 3, 2, 1, PaddingKind::Same, 0, 0);
  CHECK(a.out == 3);
  CHECK(a.pad_before == 0);
  CHECK(a.pad_after == 1);
}

TEST_CASE("shape: Conv2DTranspose output length equals Keras deconv_output_length over a sweep") {
  int checked = 0;
  for (const std::string pad : {"valid", "same", "full"})
    for (int64_t in = 1; in <= 12; ++in)
      for (int k = 1; k <= 5; ++k)
        for (int s = 1; s <= 4; ++s)
          for (int d = 1; d <= 2; ++d)
            for (int op = -1; op < s; ++op) {
              const std::optional<int64_t> keras_op = op < 0 ? std::nullopt : std::optional<int64_t>(op);
              const int64_t expected = keras_deconv_output_length(in, k, pad, keras_op, s, d);
              INFO(pad << " in=" << in << " k=" << k << " s=" << s << " d=" << d << " op=" << op);
              if (expected < 1) {
                CHECK_THROWS_AS(plan_deconv_axis("height", in, k, s, d, parse_padding_kind(pad), 0, 0, op), UserError);
                continue;
              }
              const AxisPlan a = plan_deconv_axis("height", in, k, s, d, parse_padding_kind(pad), 0, 0, op);
              CHECK(a.out == expected);
              // Cropping bookkeeping: full length = before + out + after.
              CHECK(a.pad_before + a.out + a.pad_after == (in - 1) * s + a.extent);
              ++checked;
            }
  CHECK(checked > 1000);
}

TEST_CASE("shape: output_padding must be smaller than the stride") {
  CHECK_THROWS_WITH_AS(plan_deconv_axis("height", 4, 3, 2, 1, PaddingKind::Same, 0, 0, 2),
                       doctest::Contains("output_padding 2 must be smaller than the stride 2"), UserError);
  CHECK_NOTHROW(plan_deconv_axis("height", 4, 3, 2, 1, PaddingKind::Same, 0, 0, 1));
  Layer conv;  // and it belongs to transposed layers only
  conv.output_padding_h = conv.output_padding_w = 0;
  CHECK_THROWS_AS(plan_conv(conv, 1, 8, 8, 1), UserError);
}

TEST_CASE("shape: transposed 'same' crops the way TensorFlow does") {
  // TF computes the forward conv's padding for the transposed output length L:
  // before = max((in-1)*s + extent - L, 0) // 2.
  const AxisPlan a = plan_deconv_axis("height", 2, 3, 2, 1, PaddingKind::Same, 0, 0, -1);
  CHECK(a.out == 4);
  CHECK(a.pad_before == 0);  // full length 5: nothing cropped before, one after
  CHECK(a.pad_after == 1);
  const AxisPlan b = plan_deconv_axis("height", 3, 4, 2, 1, PaddingKind::Same, 0, 0, -1);
  CHECK(b.out == 6);
  CHECK(b.pad_before == 1);
  CHECK(b.pad_after == 1);
  // And the forward 'same' conv of an L-long input gives back `in` (TensorFlow's own check).
  for (int64_t in = 1; in < 10; ++in)
    for (int k = 1; k < 6; ++k)
      for (int s = 1; s < 4; ++s) {
        const AxisPlan t = plan_deconv_axis("w", in, k, s, 1, PaddingKind::Same, 0, 0, -1);
        const AxisPlan f = plan_conv_axis("w", t.out, k, s, 1, PaddingKind::Same, 0, 0);
        CHECK(f.out == in);
        CHECK(f.pad_before == t.pad_before);
      }
}

TEST_CASE("shape: the convolution-arithmetic guide's examples") {
  struct Case { int64_t i; int k, s, p; int64_t out; };
  // Dumoulin & Visin: no_padding_no_strides, arbitrary_padding, same, full, no_padding_strides,
  // padding_strides, padding_strides_odd.
  for (const Case c : {Case{4, 3, 1, 0, 2}, Case{5, 4, 1, 2, 6}, Case{5, 3, 1, 1, 5}, Case{5, 3, 1, 2, 7},
                       Case{5, 3, 2, 0, 2}, Case{5, 3, 2, 1, 3}, Case{6, 3, 2, 1, 3}}) {
    const AxisPlan a = plan_conv_axis("height", c.i, c.k, c.s, 1, PaddingKind::Explicit, c.p, c.p);
    CHECK(a.out == c.out);
  }
  // Dilation: i=7, k=3, d=2 -> 3.
  CHECK(plan_conv_axis("height", 7, 3, 1, 2, PaddingKind::Valid, 0, 0).out == 3);
  // Transposed of padding_strides (i'=3, k=3, s=2, p=1) gives back 5, PyTorch-style explicit.
  CHECK(plan_deconv_axis("height", 3, 3, 2, 1, PaddingKind::Explicit, 1, 1, -1).out == 5);
  // Its odd sibling needs output_padding 1 to give back 6.
  CHECK(plan_deconv_axis("height", 3, 3, 2, 1, PaddingKind::Explicit, 1, 1, 1).out == 6);
}

TEST_CASE("shape: impossible configurations name the axis and the numbers") {
  Layer l;
  l.kernel_h = 5;
  l.kernel_w = 3;
  CHECK_THROWS_WITH_AS(plan_conv(l, 1, 4, 8, 1), doctest::Contains("height: dilated kernel extent 5"), UserError);
  l.kernel_h = 3;
  l.dilation_w = 4;  // extent 9 > 8
  CHECK_THROWS_WITH_AS(plan_conv(l, 1, 8, 8, 1), doctest::Contains("width: dilated kernel extent 9"), UserError);
  l.dilation_w = 1;
  l.groups = 2;
  CHECK_THROWS_WITH_AS(plan_conv(l, 1, 8, 8, 3), doctest::Contains("input channels 3 are not divisible by groups 2"), UserError);
  l.filters = 3;
  CHECK_THROWS_WITH_AS(plan_conv(l, 1, 8, 8, 4), doctest::Contains("filters 3 are not divisible by groups 2"), UserError);
  l = Layer{};
  l.stride_h = 0;
  CHECK_THROWS_WITH_AS(plan_conv(l, 1, 8, 8, 1), doctest::Contains("height: stride must be at least 1"), UserError);
  l = Layer{};
  l.kernel_w = -1;
  CHECK_THROWS_WITH_AS(plan_conv(l, 1, 8, 8, 1), doctest::Contains("width: kernel size must be at least 1"), UserError);
  l = Layer{};
  l.padding.kind = PaddingKind::Explicit;
  l.padding.left = -1;
  CHECK_THROWS_AS(plan_conv(l, 1, 8, 8, 1), UserError);
  // Sizes whose products overflow or exceed the memory limit.
  l = Layer{};
  l.filters = 1 << 20;
  CHECK_THROWS_WITH_AS(plan_conv(l, 1 << 20, 1 << 20, 1 << 20, 3), doctest::Contains("limit"), UserError);
  l = Layer{};
  l.transpose = true;
  l.stride_h = l.stride_w = 1 << 20;
  CHECK_THROWS_AS(plan_conv(l, 1, 1 << 20, 1 << 20, 1), UserError);
  // A transposed output below 1.
  CHECK_THROWS_WITH_AS(plan_deconv_axis("width", 1, 3, 1, 1, PaddingKind::Full, 0, 0, -1),
                       doctest::Contains("below 1"), UserError);
}

TEST_CASE("shape: plan reports kernel layout, data formats and what Keras would refuse") {
  Layer l;
  l.filters = 8;
  l.groups = 2;
  l.kernel_h = 3;
  l.kernel_w = 5;
  ConvPlan p = plan_conv(l, 2, 10, 12, 4);
  CHECK(p.kernel_shape() == std::vector<int64_t>{3, 5, 2, 8});
  CHECK(p.output_shape(DataFormat::ChannelsLast) == std::vector<int64_t>{2, 8, 8, 8});
  CHECK(p.output_shape(DataFormat::ChannelsFirst) == std::vector<int64_t>{2, 8, 8, 8});
  CHECK(p.input_shape(DataFormat::ChannelsFirst) == std::vector<int64_t>{2, 4, 10, 12});
  CHECK(p.beyond_keras.empty());
  l.transpose = true;
  p = plan_conv(l, 1, 10, 12, 4);
  CHECK(p.kernel_shape() == std::vector<int64_t>{3, 5, 4, 4});  // (KH, KW, filters/groups, C_in)
  CHECK(p.beyond_keras.size() == 1);                           // groups on a transposed layer
  l = Layer{};
  l.stride_h = 2;
  l.dilation_w = 2;
  CHECK(plan_conv(l, 1, 10, 10, 1).beyond_keras.size() == 1);
}
