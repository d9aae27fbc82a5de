// The kernel library: kernel files (good, malformed, missing fields), folders with a bad file,
// user kernels, combinations, and the bundled kernels' weights.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "engine/error.h"
#include "engine/kernel_library.h"
#include "tests/test_util.h"

namespace convscope {
namespace {

namespace fs = std::filesystem;

// A fresh empty folder under the test scratch directory (unique per process and name).
std::string fresh_dir(const std::string& name) {
  const std::string dir = test::scratch_path("kernels-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

// Sets an environment variable for the scope, restoring it after.
struct ScopedEnv {
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) {
      had_ = true;
      old_ = old;
    }
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_)
      ::setenv(name_, old_.c_str(), 1);
    else
      ::unsetenv(name_);
  }
  const char* name_;
  bool had_ = false;
  std::string old_;
};

const char* kGood = R"({
  "name": "my_blur", "description": "d", "purpose": "p", "size": [2, 3],
  "weights": [[1, 2, 3], [4, 5, 6]], "divisor": 21, "scale": 2, "future_field": true
})";

TEST_CASE("kernel_library: a good file parses, with nested or flat weights, size as a pair or one number") {
  const Kernel k = parse_kernel_json(kGood, "good.json");
  CHECK(k.name == "my_blur");
  CHECK(k.description == "d");
  CHECK(k.purpose == "p");
  CHECK(k.height == 2);
  CHECK(k.width == 3);
  CHECK(k.weights == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(k.sum() == doctest::Approx(2.0));
  CHECK(k.effective_weights()[5] == doctest::Approx(6.0 * 2 / 21));
  CHECK_FALSE(k.zero_sum());
  CHECK_FALSE(k.is_combination());

  const Kernel flat = parse_kernel_json(R"({"name": "f", "size": 2, "weights": [1, -1, -1, 1]})", "flat.json");
  CHECK(flat.height == 2);
  CHECK(flat.width == 2);
  CHECK(flat.zero_sum());
  CHECK(flat.scale == 1.0);
  CHECK(flat.divisor == 1.0);
}

TEST_CASE("kernel_library: malformed files and missing or wrong fields give one-line errors naming the file") {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"{\"name\": \"x\", ", "invalid JSON"},
      {"[1, 2]", "one JSON object"},
      {R"({"size": [1, 1], "weights": [1]})", "missing \"name\""},
      {R"({"name": "x", "weights": [1]})", "missing \"size\""},
      {R"({"name": "x", "size": [1, 1]})", "missing \"weights\""},
      {R"({"name": "bad name!", "size": 1, "weights": [1]})", "\"name\""},
      {R"({"name": "x", "size": [2, 2], "weights": [1, 2, 3]})", "3 numbers"},
      {R"({"name": "x", "size": [2, 2], "weights": [[1, 2], [3]]})", "row 2"},
      {R"({"name": "x", "size": [2, 2], "weights": [[1, 2]]})", "1 rows"},
      {R"({"name": "x", "size": [1, 2], "weights": [1, "a"]})", "must be a number"},
      {R"({"name": "x", "size": [0, 2], "weights": []})", "\"size\""},
      {R"({"name": "x", "size": [1, 1000], "weights": [1]})", "\"size\""},
      {R"({"name": "x", "size": 1, "weights": [1], "divisor": 0})", "divisor"},
      {R"({"name": "x", "size": 1, "weights": [1], "scale": "big"})", "scale"},
      {R"({"name": "x", "size": 1, "weights": [1e300]})", "finite"},
      {R"({"name": "x", "description": 3, "size": 1, "weights": [1]})", "description"},
      {R"({"name": "x", "combine": "sum", "of": ["a", "b"]})", "combine"},
      {R"({"name": "x", "combine": "magnitude", "of": ["a"]})", "\"of\""},
      {R"({"name": "x", "combine": "magnitude"})", "missing \"of\""},
  };
  for (const auto& [text, why] : bad) {
    const std::string e = error_of([&] { parse_kernel_json(text, "bad.json"); });
    CHECK_MESSAGE(e.rfind("bad.json: ", 0) == 0, text << " -> " << e);
    CHECK_MESSAGE(e.find(why) != std::string::npos, text << " -> " << e);
    CHECK_MESSAGE(e.find('\n') == std::string::npos, text << " -> " << e);
  }
  CHECK(error_of([] { load_kernel_file("/nonexistent/k.json"); }).find("/nonexistent/k.json") != std::string::npos);
}

TEST_CASE("kernel_library: a folder with malformed files still loads the rest and names each bad file") {
  const std::string dir = fresh_dir("mixed");
  test::spit(dir + "/a_good.json", kGood);
  test::spit(dir + "/b_broken.json", "{ not json");
  test::spit(dir + "/c_nosize.json", R"({"name": "c", "weights": [1]})");
  test::spit(dir + "/d_ok.json", R"({"name": "d", "size": 1, "weights": [3]})");
  test::spit(dir + "/e_dup.json", R"({"name": "d", "size": 1, "weights": [4]})");
  test::spit(dir + "/f_mag.json", R"({"name": "mag", "combine": "magnitude", "of": ["d", "missing"]})");
  test::spit(dir + "/notes.txt", "not a kernel");
  const KernelLibrary lib = load_kernel_library({dir, dir + "/does-not-exist"});
  CHECK(lib.names() == std::vector<std::string>{"d", "my_blur"});
  REQUIRE(lib.find("d"));
  CHECK(lib.find("d")->weights == std::vector<float>{3});  // the first of the duplicates
  CHECK(lib.find("nope") == nullptr);
  REQUIRE(lib.warnings.size() == 4);
  const std::vector<std::string> named = {"b_broken.json", "c_nosize.json", "e_dup.json", "f_mag.json"};
  for (size_t i = 0; i < named.size(); ++i) {
    CHECK_MESSAGE(lib.warnings[i].find(named[i]) != std::string::npos, lib.warnings[i]);
    CHECK(lib.warnings[i].find("skipped") != std::string::npos);
  }
}

TEST_CASE("kernel_library: a later (user) folder overrides a preset of the same name, combinations resolve") {
  const std::string builtin = fresh_dir("builtin");
  const std::string user = fresh_dir("user");
  test::spit(builtin + "/gx.json", R"({"name": "gx", "size": [1, 3], "weights": [-1, 0, 1]})");
  test::spit(builtin + "/gy.json", R"({"name": "gy", "size": [1, 3], "weights": [1, 0, -1]})");
  test::spit(builtin + "/mag.json", R"({"name": "mag", "combine": "magnitude", "of": ["gx", "gy"]})");
  test::spit(user + "/gy.json", R"({"name": "gy", "size": [1, 3], "weights": [2, 0, -2]})");
  test::spit(user + "/odd.json", R"({"name": "odd", "size": 3, "weights": [0,0,0,0,1,0,0,0,0]})");
  test::spit(user + "/bad_mag.json", R"({"name": "bad_mag", "combine": "magnitude", "of": ["gx", "odd"]})");
  const ScopedEnv env("XDG_CONFIG_HOME", fs::path(user).parent_path().string() + "/xdg-unused");
  const KernelLibrary lib = load_kernel_library({builtin, user});
  REQUIRE(lib.find("gy"));
  CHECK(lib.find("gy")->weights == std::vector<float>{2, 0, -2});
  REQUIRE(lib.find("mag"));
  const Kernel& mag = *lib.find("mag");
  CHECK(mag.is_combination());
  REQUIRE(mag.parts.size() == 2);
  CHECK(mag.parts[1].weights == std::vector<float>{2, 0, -2});
  CHECK(mag.applied_height() == 1);
  CHECK(mag.applied_width() == 3);
  CHECK_FALSE(mag.zero_sum());
  CHECK(lib.find("bad_mag") == nullptr);  // parts of different sizes
  REQUIRE(lib.warnings.size() == 1);
  CHECK(lib.warnings[0].find("bad_mag.json") != std::string::npos);

  // By name, by path; a file's combination parts come from the library.
  CHECK(resolve_kernel(lib, "gx").weights == std::vector<float>{-1, 0, 1});
  CHECK(resolve_kernel(lib, user + "/odd.json").name == "odd");
  CHECK(resolve_kernel(lib, builtin + "/mag.json").parts.size() == 2);
  const std::string unknown = error_of([&] { resolve_kernel(lib, "sobel_q"); });
  CHECK(unknown.find("unknown kernel 'sobel_q'") != std::string::npos);
  CHECK(unknown.find("gx, gy, mag, odd") != std::string::npos);
  CHECK(error_of([&] { resolve_kernel(lib, user + "/missing.json"); }).find("missing.json") != std::string::npos);
}

TEST_CASE("kernel_library: user folder from XDG_CONFIG_HOME or HOME, save_user_kernel round-trips atomically") {
  const std::string root = fresh_dir("xdg");
  {
    const ScopedEnv xdg("XDG_CONFIG_HOME", root);
    CHECK(user_kernel_dir() == root + "/convscope/kernels");
    Kernel k = parse_kernel_json(kGood, "mem");
    k.name = "edited";
    k.weights[0] = 0.125f;
    const std::string path = save_user_kernel(k);
    CHECK(path == root + "/convscope/kernels/edited.json");
    const Kernel back = load_kernel_file(path);
    CHECK(back.name == "edited");
    CHECK(back.weights == k.weights);
    CHECK(back.scale == k.scale);
    CHECK(back.divisor == k.divisor);
    CHECK(back.description == k.description);
    CHECK(back.purpose == k.purpose);
    // Saved again over itself: still one file, no temporaries left.
    k.weights[1] = -7;
    save_user_kernel(k);
    CHECK(load_kernel_file(path).weights[1] == -7);
    int files = 0;
    for (const auto& e : fs::directory_iterator(root + "/convscope/kernels")) files += e.is_regular_file();
    CHECK(files == 1);
    const KernelLibrary lib = load_kernel_library({user_kernel_dir()});
    REQUIRE(lib.find("edited"));
    CHECK(lib.find("edited")->user);

    Kernel bad = k;
    bad.name = "../escape";
    CHECK(error_of([&] { save_user_kernel(bad); }).find("name") != std::string::npos);
    bad = k;
    bad.weights.pop_back();
    CHECK_FALSE(error_of([&] { save_user_kernel(bad); }).empty());
    Kernel combo;
    combo.name = "my_mag";
    combo.combine = "magnitude";
    combo.of = {"sobel_x", "sobel_y"};
    CHECK(load_kernel_file(save_user_kernel(combo)).of == combo.of);
  }
  {
    const ScopedEnv xdg("XDG_CONFIG_HOME", "relative/ignored");
    const ScopedEnv home("HOME", root + "/home");
    CHECK(user_kernel_dir() == root + "/home/.config/convscope/kernels");
  }
}

// The bundled kernels, as the app and `--kernel` name them, with the sums their definitions give.
const std::map<std::string, double> kBuiltinSums = {
    {"identity", 1},  {"box3", 1},       {"box5", 1},       {"gaussian3", 1},   {"gaussian5", 1},
    {"gaussian7", 1}, {"sharpen", 1},    {"unsharp5", 1},   {"sobel_x", 0},     {"sobel_y", 0},
    {"prewitt_x", 0}, {"prewitt_y", 0},  {"scharr_x", 0},   {"scharr_y", 0},    {"laplacian4", 0},
    {"laplacian8", 0}, {"log5", 0},      {"emboss", 1},     {"outline", 0},     {"motion_blur", 1},
    {"ridge", 0},
};

TEST_CASE("kernel_library: every bundled kernel loads without warnings and sums as its definition says") {
  const std::string dir = builtin_kernel_dir();
  REQUIRE(!dir.empty());
  CHECK(fs::exists(dir + "/identity.json"));
  const KernelLibrary lib = load_kernel_library({dir});
  CHECK(lib.warnings.empty());
  for (const auto& [name, sum] : kBuiltinSums) {
    const Kernel* k = lib.find(name);
    REQUIRE_MESSAGE(k, name);
    CHECK_MESSAGE(k->sum() == doctest::Approx(sum).epsilon(1e-6), name);
    CHECK_MESSAGE(k->zero_sum() == (sum == 0), name);
    CHECK_MESSAGE(!k->description.empty(), name);
    CHECK_MESSAGE(!k->purpose.empty(), name);
    CHECK_MESSAGE(fs::path(k->source).stem() == name, name);
  }
  for (const char* name : {"sobel_magnitude", "prewitt_magnitude", "scharr_magnitude"}) {
    const Kernel* k = lib.find(name);
    REQUIRE_MESSAGE(k, name);
    REQUIRE(k->parts.size() == 2);
    CHECK(k->parts[0].name + "/" + k->parts[1].name ==
          std::string(name).substr(0, std::string(name).find('_')) + "_x/" +
              std::string(name).substr(0, std::string(name).find('_')) + "_y");
  }
}

TEST_CASE("kernel_library: bundled weights match the standard definitions") {
  const KernelLibrary lib = load_kernel_library({builtin_kernel_dir()});
  auto w = [&](const char* name) {
    const Kernel* k = lib.find(name);
    REQUIRE_MESSAGE(k, name);
    return k->effective_weights();
  };
  auto at = [&](const char* name, int r, int c) {
    const Kernel* k = lib.find(name);
    return k->effective_weights()[static_cast<size_t>(r * k->width + c)];
  };
  CHECK(w("sobel_x") == std::vector<float>{-1, 0, 1, -2, 0, 2, -1, 0, 1});
  CHECK(w("prewitt_x") == std::vector<float>{-1, 0, 1, -1, 0, 1, -1, 0, 1});
  CHECK(w("scharr_x") == std::vector<float>{-3, 0, 3, -10, 0, 10, -3, 0, 3});
  CHECK(w("laplacian4") == std::vector<float>{0, 1, 0, 1, -4, 1, 0, 1, 0});
  CHECK(w("laplacian8") == std::vector<float>{1, 1, 1, 1, -8, 1, 1, 1, 1});
  CHECK(w("sharpen") == std::vector<float>{0, -1, 0, -1, 5, -1, 0, -1, 0});
  CHECK(w("outline") == std::vector<float>{-1, -1, -1, -1, 8, -1, -1, -1, -1});
  CHECK(w("ridge") == std::vector<float>{0, -1, 0, -1, 4, -1, 0, -1, 0});
  CHECK(w("emboss") == std::vector<float>{-2, -1, 0, -1, 1, 1, 0, 1, 2});
  CHECK(w("identity") == std::vector<float>{0, 0, 0, 0, 1, 0, 0, 0, 0});
  CHECK(w("log5") == std::vector<float>{0, 0, -1, 0, 0, 0, -1, -2, -1, 0, -1, -2, 16, -2, -1, 0, -1, -2, -1, 0, 0, 0, -1, 0, 0});
  // The y derivatives are the transposes of the x ones.
  for (const char* family : {"sobel", "prewitt", "scharr"})
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c)
        CHECK(at((std::string(family) + "_y").c_str(), r, c) == at((std::string(family) + "_x").c_str(), c, r));
  // Gaussians are outer products of binomial rows; unsharp5 = 2 * identity - gaussian5.
  const std::vector<std::pair<const char*, std::vector<double>>> binomial = {
      {"gaussian3", {1, 2, 1}}, {"gaussian5", {1, 4, 6, 4, 1}}, {"gaussian7", {1, 6, 15, 20, 15, 6, 1}}};
  for (const auto& [name, row] : binomial) {
    double s = 0;
    for (double v : row) s += v;
    for (size_t r = 0; r < row.size(); ++r)
      for (size_t c = 0; c < row.size(); ++c)
        CHECK_MESSAGE(at(name, static_cast<int>(r), static_cast<int>(c)) == doctest::Approx(row[r] * row[c] / (s * s)), name);
  }
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 5; ++c)
      CHECK(at("unsharp5", r, c) == doctest::Approx((r == 2 && c == 2 ? 2.0 : 0.0) - at("gaussian5", r, c)));
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) {
      CHECK(at("box3", r, c) == doctest::Approx(1.0 / 9));
      CHECK(at("laplacian8", r, c) - at("laplacian4", r, c) == doctest::Approx((r != 1 && c != 1) ? 1 : r == 1 && c == 1 ? -4 : 0));
    }
  for (int r = 0; r < 9; ++r)
    for (int c = 0; c < 9; ++c) CHECK(at("motion_blur", r, c) == doctest::Approx(r == c ? 1.0 / 9 : 0.0));
  CHECK(w("box5").size() == 25);
}

}  // namespace
}  // namespace convscope
