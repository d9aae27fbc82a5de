// `convscope filter` against the engine: the same numbers as run_layer on the same image (.npy and
// PNG output), batch mode, user kernels, and every error path (status 2, one line, outputs untouched).
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "engine/conv.h"
#include "engine/image_io.h"
#include "engine/kernel_library.h"
#include "engine/normalize.h"
#include "engine/npy.h"
#include "tests/test_util.h"

namespace convscope {
namespace {

namespace fs = std::filesystem;

const std::string kImages = std::string(CONVSCOPE_SOURCE_DIR) + "/assets/images";

// A fresh folder for one test case, unique per process (ctest runs test cases in parallel).
std::string case_dir(const std::string& name) {
  const std::string dir = test::scratch_path("filter-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string q(const std::string& s) { return "'" + s + "'"; }

// Runs `[env] convscope filter ARGS` with output captured in `dir`.
test::RunResult filter(const std::string& dir, const std::string& args, const std::string& env = "") {
  static int counter = 0;
  const std::string base = dir + "/run" + std::to_string(++counter);
  // Without an explicit environment, an empty user folder: the tester's own kernels stay out.
  const std::string e = env.empty() ? "XDG_CONFIG_HOME=" + q(dir + "/no-config") : env;
  const std::string cmd = e + " " + q(CONVSCOPE_BIN) + " filter " + args + " >" + q(base + ".out") + " 2>" +
                          q(base + ".err") + " </dev/null";
  const int raw = std::system(cmd.c_str());
  test::RunResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  r.out = test::slurp(base + ".out");
  r.err = test::slurp(base + ".err");
  fs::remove(base + ".out");
  fs::remove(base + ".err");
  return r;
}

// The engine's answer, built by hand: depthwise Conv2D with the kernel's effective weights.
Tensor engine_filter(const Tensor& image, const std::vector<float>& w, int kh, int kw, const Layer& geometry) {
  const int64_t c = image.dim(2);
  Layer layer = geometry;
  layer.kernel_h = kh;
  layer.kernel_w = kw;
  layer.filters = layer.groups = static_cast<int>(c);
  layer.use_bias = false;
  Tensor kernel({kh, kw, 1, c});
  for (int64_t i = 0; i < kh * kw; ++i)
    for (int64_t ch = 0; ch < c; ++ch) kernel.data[static_cast<size_t>(i * c + ch)] = w[static_cast<size_t>(i)];
  RunOptions o;
  o.impl = Implementation::Reference;
  return run_layer(layer, image, kernel, nullptr, o);
}

const Kernel& builtin(const char* name) {
  static const KernelLibrary lib = load_kernel_library({builtin_kernel_dir()});
  const Kernel* k = lib.find(name);
  REQUIRE_MESSAGE(k, name);
  return *k;
}

void check_close(const Tensor& got, const Tensor& want, float tol, const std::string& what) {
  REQUIRE_MESSAGE(got.shape == want.shape, what << ": " << shape_to_string(got.shape) << " vs " << shape_to_string(want.shape));
  for (size_t i = 0; i < want.data.size(); ++i)
    if (std::fabs(got.data[i] - want.data[i]) > tol * (1.0f + std::fabs(want.data[i]))) {
      FAIL_CHECK(what << ": index " << i << " got " << got.data[i] << " want " << want.data[i]);
      return;
    }
}

TEST_CASE("filter_cli: .npy output is (H, W, C) float32 with the same numbers as run_layer") {
  const std::string dir = case_dir("npy");
  const std::string image = kImages + "/chelsea.png";
  const Tensor in = load_image(image);
  struct Case {
    const char* kernel;
    std::string flags;
    Layer geometry;
  };
  Layer same;
  same.padding.kind = PaddingKind::Same;
  Layer reflect_s2 = same;
  reflect_s2.stride_h = reflect_s2.stride_w = 2;
  reflect_s2.border = BorderMode::Reflect;
  Layer valid_dil;
  valid_dil.padding.kind = PaddingKind::Valid;
  valid_dil.dilation_h = 2;
  valid_dil.dilation_w = 3;
  Layer explicit_const;
  explicit_const.padding = Padding{PaddingKind::Explicit, 1, 2, 3, 0};
  explicit_const.border = BorderMode::Constant;
  explicit_const.border_value = 0.5f;
  const std::vector<Case> cases = {
      {"gaussian5", "", same},
      {"sobel_x", "--strides 2 --border reflect", reflect_s2},
      {"log5", "--padding valid --dilation 2,3", valid_dil},
      {"emboss", "--padding 1,2,3,0 --border constant:0.5", explicit_const},
  };
  for (const Case& c : cases) {
    const std::string out = dir + "/" + c.kernel + ".npy";
    const auto r = filter(dir, "--image " + q(image) + " --kernel " + c.kernel + " " + c.flags + " --output " + q(out));
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const Kernel& k = builtin(c.kernel);
    const Tensor want = engine_filter(in, k.effective_weights(), k.height, k.width, c.geometry);
    const Tensor got = read_npy(out);
    CHECK(got.rank() == 3);
    CHECK(got.dim(2) == 3);
    check_close(got, want, 1e-5f, c.kernel);
  }
  // valid with a 5x5 kernel dilated (2, 3): H - 8, W - 12.
  CHECK(read_npy(dir + "/log5.npy").shape == std::vector<int64_t>{in.dim(0) - 8, in.dim(1) - 12, 3});
  CHECK(read_npy(dir + "/sobel_x.npy").shape == std::vector<int64_t>{(in.dim(0) + 1) / 2, (in.dim(1) + 1) / 2, 3});
}

TEST_CASE("filter_cli: PNG output is the normalised engine result, --gray gives one channel, magnitude") {
  const std::string dir = case_dir("png");
  const std::string image = kImages + "/camera.png";
  Layer same;
  same.padding.kind = PaddingKind::Same;
  const Tensor gray = load_image(image, true);
  const Kernel& sx = builtin("sobel_x");
  const Kernel& sy = builtin("sobel_y");
  const Tensor gx = engine_filter(gray, sx.effective_weights(), 3, 3, same);
  const Tensor gy = engine_filter(gray, sy.effective_weights(), 3, 3, same);

  // auto on a zero-sum kernel = offset; explicit abs.
  for (const auto& [mode, flag] : {std::pair{NormalizeMode::Offset, ""}, std::pair{NormalizeMode::Abs, "--normalize abs"}}) {
    const std::string out = dir + "/sx.png";
    const auto r = filter(dir, "--image " + q(image) + " --gray --kernel sobel_x " + flag + " --output " + q(out));
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const Tensor png = load_image(out, true);
    CHECK(png.dim(2) == 1);
    check_close(png, normalize_for_display(gx, mode), 0.5f / 255.0f + 1e-6f, flag);
  }

  // Gradient magnitude: sqrt(gx^2 + gy^2), raw in .npy; as PNG clipped.
  Tensor mag = gx;
  for (size_t i = 0; i < mag.data.size(); ++i) mag.data[i] = std::sqrt(gx.data[i] * gx.data[i] + gy.data[i] * gy.data[i]);
  const auto r = filter(dir, "--image " + q(image) + " --gray --kernel sobel_magnitude --output " + q(dir + "/m.npy"));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  check_close(read_npy(dir + "/m.npy"), mag, 1e-5f, "sobel_magnitude");
  const auto p = filter(dir, "--image " + q(image) + " --gray --kernel sobel_magnitude --output " + q(dir + "/m.png"));
  REQUIRE_MESSAGE(p.status == 0, p.err);
  check_close(load_image(dir + "/m.png", true), normalize_for_display(mag, NormalizeMode::Clip), 0.5f / 255.0f + 1e-6f,
              "sobel_magnitude png");
  // The SIMD default and --reference agree.
  const auto ref = filter(dir, "--image " + q(image) + " --gray --kernel sobel_magnitude --reference --output " +
                                   q(dir + "/m_ref.npy"));
  REQUIRE(ref.status == 0);
  check_close(read_npy(dir + "/m_ref.npy"), read_npy(dir + "/m.npy"), 1e-5f, "reference vs simd");
}

TEST_CASE("filter_cli: a kernel from a file, and a user kernel found by name through XDG_CONFIG_HOME") {
  const std::string dir = case_dir("user");
  const std::string image = kImages + "/coffee.png";
  fs::create_directories(dir + "/config/convscope/kernels");
  test::spit(dir + "/config/convscope/kernels/tilt.json", R"({"name": "tilt", "size": [2, 1], "weights": [[1], [-1]]})");
  test::spit(dir + "/file_kernel.json", R"({"name": "from_file", "size": [1, 2], "weights": [0.25, 0.75]})");
  test::spit(dir + "/config/convscope/kernels/broken.json", "{");
  const Tensor in = load_image(image);
  Layer same;
  same.padding.kind = PaddingKind::Same;

  const auto u = filter(dir, "--image " + q(image) + " --kernel tilt --output " + q(dir + "/t.npy"),
                        "XDG_CONFIG_HOME=" + q(dir + "/config"));
  REQUIRE_MESSAGE(u.status == 0, u.err);
  check_close(read_npy(dir + "/t.npy"), engine_filter(in, {1, -1}, 2, 1, same), 1e-5f, "user kernel");
  CHECK(u.err.find("broken.json") != std::string::npos);  // warned about, not fatal

  const auto f = filter(dir, "--image " + q(image) + " --kernel " + q(dir + "/file_kernel.json") + " --output " +
                                 q(dir + "/f.npy"));
  REQUIRE_MESSAGE(f.status == 0, f.err);
  check_close(read_npy(dir + "/f.npy"), engine_filter(in, {0.25f, 0.75f}, 1, 2, same), 1e-5f, "file kernel");
}

TEST_CASE("filter_cli: batch mode writes one output per image, the same as single runs") {
  const std::string dir = case_dir("batch");
  fs::create_directories(dir + "/out");
  const std::vector<std::string> names = {"astronaut", "brick", "camera", "chelsea", "coffee"};
  std::string images;
  for (const std::string& n : names) images += " " + q(kImages + "/" + n + ".png");
  const auto r = filter(dir, "--image" + images + " --kernel box3 --border replicate --output-dir " + q(dir + "/out"));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.err.empty());  // no progress bar when stderr is not a terminal
  const auto n = filter(dir, "--image" + images + " --kernel laplacian4 --format npy --output-dir " + q(dir + "/out"));
  REQUIRE_MESSAGE(n.status == 0, n.err);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir + "/out")) files += e.is_regular_file();
  CHECK(files == 10);  // nothing else (no temporaries) left behind
  Layer replicate;
  replicate.padding.kind = PaddingKind::Same;
  replicate.border = BorderMode::Replicate;
  Layer same;
  same.padding.kind = PaddingKind::Same;
  for (const std::string& name : names) {
    const Tensor in = load_image(kImages + "/" + name + ".png");
    const Tensor box = engine_filter(in, builtin("box3").effective_weights(), 3, 3, replicate);
    check_close(load_image(dir + "/out/" + name + ".png"), normalize_for_display(box, NormalizeMode::Clip),
                0.5f / 255.0f + 1e-6f, name + " png");
    check_close(read_npy(dir + "/out/" + name + ".npy"), engine_filter(in, builtin("laplacian4").effective_weights(), 3, 3, same),
                1e-5f, name + " npy");
  }
}

TEST_CASE("filter_cli: every error is one line with status 2 and leaves existing outputs untouched") {
  const std::string dir = case_dir("errors");
  const std::string image = q(kImages + "/brick.png");
  const std::string out = dir + "/out.png";
  const std::string sentinel = "previous contents";
  test::spit(out, sentinel);
  test::spit(dir + "/corrupt.png", "this is not a PNG file at all");
  test::spit(dir + "/bad_kernel.json", R"({"name": "k", "size": [3, 3], "weights": [1, 2]})");
  Tensor tiny({2, 2, 1});
  save_png(dir + "/tiny.png", tiny);
  fs::create_directories(dir + "/batch");
  test::spit(dir + "/batch/brick.png", sentinel);
  test::spit(dir + "/batch/camera.png", sentinel);

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--image " + q(dir + "/missing.png") + " --kernel box3 --output " + q(out), "missing.png"},
      {"--image " + q(dir + "/corrupt.png") + " --kernel box3 --output " + q(out), "corrupt.png"},
      {"--image " + image + " --kernel no_such_kernel --output " + q(out), "unknown kernel 'no_such_kernel'"},
      {"--image " + image + " --kernel " + q(dir + "/bad_kernel.json") + " --output " + q(out), "bad_kernel.json"},
      {"--image " + image + " --kernel " + q(dir + "/none.json") + " --output " + q(out), "none.json"},
      {"--image " + image + " --kernel box3 --strides x --output " + q(out), "--strides"},
      {"--image " + image + " --kernel box3 --strides 0 --output " + q(out), "stride"},
      {"--image " + image + " --kernel box3 --dilation 1,2,3 --output " + q(out), "--dilation"},
      {"--image " + image + " --kernel box3 --padding middle --output " + q(out), "middle"},
      {"--image " + image + " --kernel box3 --border mirror --output " + q(out), "mirror"},
      {"--image " + image + " --kernel box3 --border constant:abc --output " + q(out), "constant"},
      {"--image " + image + " --kernel box3 --normalize stretch --output " + q(out), "stretch"},
      {"--image " + image + " --kernel box3 --output " + q(dir + "/out.jpg"), ".png or .npy"},
      {"--image " + q(dir + "/tiny.png") + " --kernel box5 --padding valid --output " + q(out), "tiny.png"},
      {"--image " + image + " --kernel box3", "--output"},
      {"--image " + image + " --kernel box3 --output " + q(out) + " --output-dir " + q(dir), "exactly one"},
      {"--image " + image + " " + image + " --kernel box3 --output " + q(out), "--output-dir"},
      {"--image " + image + " --kernel box3 --output-dir " + q(dir + "/nodir"), "not a folder"},
      {"--image " + image + " " + image + " --kernel box3 --output-dir " + q(dir + "/batch"), "both be saved"},
      {"--image " + image + " --kernel box3 --format jpg --output-dir " + q(dir + "/batch"), "--format"},
      // A batch where the second image fails: the first image's existing output is not replaced.
      {"--image " + image + " " + q(dir + "/corrupt.png") + " " + q(kImages + "/camera.png") +
           " --kernel box3 --output-dir " + q(dir + "/batch"),
       "corrupt.png"},
      {"--kernel box3 --output " + q(out), "--image"},
  };
  for (const auto& [args, why] : cases) {
    const auto r = filter(dir, args);
    CHECK_MESSAGE(r.status == 2, args << " -> " << r.status << " " << r.err);
    CHECK_MESSAGE(r.err.find(why) != std::string::npos, args << " -> " << r.err);
    CHECK_MESSAGE(r.err.find('\n') == r.err.size() - 1, args << " -> " << r.err);  // exactly one line
    CHECK_MESSAGE(test::slurp(out) == sentinel, args);
  }
  CHECK(test::slurp(dir + "/batch/brick.png") == sentinel);
  CHECK(test::slurp(dir + "/batch/camera.png") == sentinel);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir + "/batch")) files += e.is_regular_file();
  CHECK(files == 2);  // temporaries removed
  CHECK_FALSE(fs::exists(dir + "/out.jpg"));
}

}  // namespace
}  // namespace convscope
