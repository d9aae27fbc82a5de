// Small helpers shared by the doctest files: seeded random tensors, running the convscope binary,
// scratch files.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/tensor.h"

namespace convscope::test {

inline Tensor random_tensor(std::vector<int64_t> shape, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f) {
  Tensor t(std::move(shape));
  std::uniform_real_distribution<float> u(lo, hi);
  for (float& v : t.data) v = u(rng);
  return t;
}

inline Tensor iota_tensor(std::vector<int64_t> shape, float start = 1.0f) {
  Tensor t(std::move(shape));
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = start + static_cast<float>(i);
  return t;
}

inline std::string scratch_path(const std::string& name) {
  std::string dir = CONVSCOPE_TEST_TMP;
  std::system(("mkdir -p '" + dir + "'").c_str());
  return dir + "/" + name;
}

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline void spit(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

struct RunResult {
  int status = -1;
  std::string out, err;
};

// Runs `convscope ARGS` (args already shell-quoted where needed), capturing stdout and stderr.
inline RunResult run_convscope(const std::string& args) {
  static int counter = 0;
  // The pid keeps parallel test processes (ctest -j) from sharing capture files.
  const std::string base = scratch_path("run" + std::to_string(getpid()) + "_" + std::to_string(++counter));
  const std::string cmd = std::string("'") + CONVSCOPE_BIN + "' " + args + " >'" + base + ".out' 2>'" + base + ".err' </dev/null";
  const int raw = std::system(cmd.c_str());
  RunResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  return r;
}

}  // namespace convscope::test
