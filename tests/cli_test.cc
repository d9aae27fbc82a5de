// `convscope conv` and `convscope shape` end to end: .npy round trips through the real binary,
// and every kind of bad input giving one line on stderr, status 2, and the output untouched.
#include <doctest/doctest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "engine/conv.h"
#include "engine/npy.h"
#include "tests/test_util.h"

using namespace convscope;
using namespace convscope::test;

namespace {

int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// A bad invocation must fail with status 2, exactly one line on stderr, and leave `output` as it was.
void check_refused(const std::string& args, const std::string& output, const std::string& expect_in_message) {
  spit(output, "precious");
  const RunResult r = run_convscope(args);
  INFO("args: " << args << "\nstderr: " << r.err);
  CHECK(r.status == 2);
  CHECK(count_lines(r.err) == 1);
  CHECK(r.err.find(expect_in_message) != std::string::npos);
  CHECK(slurp(output) == "precious");
}

// Hand-made .npy bytes with an arbitrary header dict and payload.
std::string npy_bytes(const std::string& dict, const std::string& payload, char major = 1) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string out("\x93NUMPY", 6);
  out += major;
  out += '\0';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + payload;
}

}  // namespace

TEST_CASE("cli: conv round trip through .npy equals the engine, for both data formats and transposed") {
  std::mt19937 rng(11);
  const std::string in = scratch_path("cli_in.npy"), k = scratch_path("cli_k.npy"), b = scratch_path("cli_b.npy"),
                    out = scratch_path("cli_out.npy");
  struct Case { const char* flags; bool transpose; DataFormat fmt; };
  for (const Case c : {Case{"--strides 2 --padding same --activation relu", false, DataFormat::ChannelsLast},
                       Case{"--padding 1,0,2,1 --dilation 2,1", false, DataFormat::ChannelsLast},
                       Case{"--data-format channels_first --padding full", false, DataFormat::ChannelsFirst},
                       Case{"--transpose --strides 2 --padding same --output-padding 1", true, DataFormat::ChannelsLast},
                       Case{"--transpose --strides 2,3 --padding valid --data-format channels_first", true,
                            DataFormat::ChannelsFirst}}) {
    const Tensor x = random_tensor(c.fmt == DataFormat::ChannelsLast ? std::vector<int64_t>{2, 9, 8, 3}
                                                                      : std::vector<int64_t>{2, 3, 9, 8}, rng);
    const Tensor kernel = random_tensor({3, 3, c.transpose ? 4 : 3, c.transpose ? 3 : 4}, rng);
    const Tensor bias = random_tensor({4}, rng);
    write_npy(in, x);
    write_npy(k, kernel);
    write_npy(b, bias);
    const RunResult r = run_convscope("conv --input " + in + " --kernel " + k + " --bias " + b + " --output " + out +
                                      " " + c.flags);
    INFO(c.flags << "\n" << r.err);
    REQUIRE(r.status == 0);
    Layer l;
    l.filters = 4;
    l.transpose = c.transpose;
    l.data_format = c.fmt;
    l.padding.kind = PaddingKind::Valid;
    const std::string f = c.flags;
    if (f.find("--strides 2 ") != std::string::npos || f.find("--strides 2 -") != std::string::npos) l.stride_h = l.stride_w = 2;
    if (f.find("--strides 2,3") != std::string::npos) { l.stride_h = 2; l.stride_w = 3; }
    if (f.find("same") != std::string::npos) l.padding.kind = PaddingKind::Same;
    if (f.find("full") != std::string::npos) l.padding.kind = PaddingKind::Full;
    if (f.find("1,0,2,1") != std::string::npos) l.padding = Padding{PaddingKind::Explicit, 1, 0, 2, 1};
    if (f.find("--dilation 2,1") != std::string::npos) l.dilation_h = 2;
    if (f.find("--output-padding 1") != std::string::npos) l.output_padding_h = l.output_padding_w = 1;
    if (f.find("relu") != std::string::npos) l.activation = Activation::Relu;
    const Tensor expected = run_layer(l, x, kernel, &bias);
    const Tensor got = read_npy(out);
    CHECK(got.shape == expected.shape);
    CHECK(got.data == expected.data);
  }
}

TEST_CASE("cli: a rank-3 input gives a rank-3 output, float64 input is accepted") {
  const std::string in = scratch_path("cli3_in.npy"), k = scratch_path("cli3_k.npy"), out = scratch_path("cli3_out.npy");
  std::string payload;
  for (int i = 1; i <= 9; ++i) {
    const double v = i;
    payload.append(reinterpret_cast<const char*>(&v), 8);
  }
  spit(in, npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 3, 1), }", payload));
  Tensor kernel({2, 2, 1, 1});
  kernel.data = {1, 1, 1, 1};
  write_npy(k, kernel);
  const RunResult r = run_convscope("conv --input " + in + " --kernel " + k + " --output " + out);
  REQUIRE(r.status == 0);
  const Tensor y = read_npy(out);
  CHECK(y.shape == std::vector<int64_t>{2, 2, 1});
  CHECK(y.data == std::vector<float>{12, 16, 24, 28});
}

TEST_CASE("cli: bad inputs give status 2, one line, and leave the output untouched") {
  const std::string good_in = scratch_path("bad_good_in.npy"), k = scratch_path("bad_k.npy"),
                    bad = scratch_path("bad.npy"), out = scratch_path("bad_out.npy");
  write_npy(good_in, Tensor({1, 5, 5, 3}));
  write_npy(k, Tensor({3, 3, 3, 2}));
  const std::string tail = " --kernel " + k + " --output " + out;
  const std::string f4 = std::string(4 * 75, '\0');

  spit(bad, "not a numpy file at all");
  check_refused("conv --input " + bad + tail, out, "wrong magic");
  spit(bad, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 5, 5, 3), }", std::string(17, '\0')));
  check_refused("conv --input " + bad + tail, out, "truncated data");
  spit(bad, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 5, 5, 3), }", "").substr(0, 30));
  check_refused("conv --input " + bad + tail, out, "truncated");
  spit(bad, npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (1, 5, 5, 3), }", f4));
  check_refused("conv --input " + bad + tail, out, "unsupported dtype '<i4'");
  spit(bad, npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 5, 5, 3), }", f4));
  check_refused("conv --input " + bad + tail, out, "Fortran");
  spit(bad, npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 5, 5, 3), }", f4));
  check_refused("conv --input " + bad + tail, out, "big-endian");
  spit(bad, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (25, 3), }", f4));
  check_refused("conv --input " + bad + tail, out, "rank");
  // A header that claims an absurd size must not allocate it.
  spit(bad, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000, 3), }", f4));
  check_refused("conv --input " + bad + tail, out, "limit");
  spit(bad, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999, 99999), }", f4));
  check_refused("conv --input " + bad + tail, out, "overflow");
  spit(bad, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 5, 5, 3), }", f4, 9));
  check_refused("conv --input " + bad + tail, out, "version");
  check_refused("conv --input " + scratch_path("does_not_exist.npy") + tail, out, "cannot open");

  // Channel mismatch: the kernel expects 3 input channels.
  write_npy(bad, Tensor({1, 5, 5, 4}));
  check_refused("conv --input " + bad + tail, out, "expected (3, 3, 4, 2)");
  // Impossible parameters.
  check_refused("conv --input " + good_in + tail + " --dilation 3", out, "dilated kernel extent 7");
  check_refused("conv --input " + good_in + tail + " --strides 0", out, "stride must be at least 1");
  check_refused("conv --input " + good_in + tail + " --groups 2", out, "divisible by groups");
  check_refused("conv --input " + good_in + tail + " --padding same --output-padding 1", out, "transposed");
  check_refused("conv --input " + good_in + tail + " --padding 1,2", out, "four values");
  check_refused("conv --input " + good_in + tail + " --activation wobble", out, "unknown activation");
  check_refused("conv --input " + good_in + tail + " --transpose --strides 2 --output-padding 2", out,
                "must be smaller than the stride");
  // Bias of the wrong length.
  write_npy(bad, Tensor({3}));
  check_refused("conv --input " + good_in + tail + " --bias " + bad, out, "bias shape (3,)");
  // Unknown flags are CLI11's errors: still status 2, output untouched.
  spit(out, "precious");
  CHECK(run_convscope("conv --input " + good_in + tail + " --frobnicate").status == 2);
  CHECK(slurp(out) == "precious");
}

TEST_CASE("cli: shape prints Keras's output shape and the padding per side, also as JSON") {
  RunResult r = run_convscope("shape --input-shape 1,6,6,3 --kernel-size 3 --filters 8 --strides 2 --padding same --json");
  REQUIRE(r.status == 0);
  nlohmann::json j = nlohmann::json::parse(r.out);
  CHECK(j["output_shape"] == nlohmann::json::array({1, 3, 3, 8}));
  CHECK(j["padding"]["top"] == 0);
  CHECK(j["padding"]["bottom"] == 1);
  CHECK(j["padding"]["left"] == 0);
  CHECK(j["padding"]["right"] == 1);
  CHECK(j["kernel_shape"] == nlohmann::json::array({3, 3, 3, 8}));

  r = run_convscope("shape --input-shape 1,3,16,16 --kernel-size 4 --filters 2 --strides 2 --padding same "
                    "--transpose --data-format channels_first --json");
  REQUIRE(r.status == 0);
  j = nlohmann::json::parse(r.out);
  CHECK(j["output_shape"] == nlohmann::json::array({1, 2, 32, 32}));

  r = run_convscope("shape --input-shape 1,5,5,1 --kernel-size 3 --filters 1 --strides 2 --padding 1,1,1,1");
  REQUIRE(r.status == 0);
  CHECK(r.out.find("output shape: (1, 3, 3, 1)") != std::string::npos);
  CHECK(r.out.find("padding: top 1, bottom 1, left 1, right 1") != std::string::npos);

  r = run_convscope("shape --input-shape 1,4,4,1 --kernel-size 5 --filters 1");
  CHECK(r.status == 2);
  CHECK(count_lines(r.err) == 1);
  CHECK(r.err.find("height: dilated kernel extent 5") != std::string::npos);
}

TEST_CASE("cli: --benchmark prints one line of timing") {
  const std::string in = scratch_path("bench_in.npy"), k = scratch_path("bench_k.npy"), out = scratch_path("bench_out.npy");
  write_npy(in, Tensor({1, 16, 16, 4}));
  write_npy(k, Tensor({3, 3, 4, 8}));
  const RunResult r = run_convscope("conv --input " + in + " --kernel " + k + " --output " + out + " --benchmark 3 --threads 1");
  REQUIRE(r.status == 0);
  CHECK(r.out.rfind("median_ms=", 0) == 0);
  CHECK(r.out.find("threads=1") != std::string::npos);
  CHECK(r.out.find("target=") != std::string::npos);
  CHECK((r.out.find("tuning=zen5") != std::string::npos || r.out.find("tuning=sapphire-rapids") != std::string::npos));
}

TEST_CASE("cli: conv computes settings Keras would refuse, and says so on stderr") {
  const std::string in = scratch_path("beyond_in.npy"), k = scratch_path("beyond_k.npy"), out = scratch_path("beyond_out.npy");
  write_npy(in, Tensor({1, 9, 9, 1}));
  write_npy(k, Tensor({3, 3, 1, 1}));
  const RunResult r = run_convscope("conv --input " + in + " --kernel " + k + " --output " + out + " --strides 2 --dilation 2");
  REQUIRE(r.status == 0);
  CHECK(read_npy(out).shape == std::vector<int64_t>{1, 3, 3, 1});
  CHECK(r.err.find("note: Keras refuses strides > 1 together with dilation_rate > 1") != std::string::npos);
}
