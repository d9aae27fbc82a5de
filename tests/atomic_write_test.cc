// Nothing lost: a writer killed at any moment leaves either the old file or the new one, never a
// torn mix, and failures leave the target untouched.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "engine/atomic_file.h"
#include "engine/error.h"
#include "tests/test_util.h"

using namespace convscope;
using namespace convscope::test;

namespace {
// Version v of the file: a header line and 256 KiB of the digit v, so a torn write is visible.
std::string version(int v) {
  return "version " + std::to_string(v) + "\n" + std::string(256 * 1024, static_cast<char>('0' + v % 10));
}
bool is_whole_version(const std::string& s) {
  if (s.rfind("version ", 0) != 0) return false;
  const size_t nl = s.find('\n');
  if (nl == std::string::npos) return false;
  const int v = std::stoi(s.substr(8, nl - 8));
  return s == version(v);
}
}  // namespace

TEST_CASE("atomic write: a writer killed at random moments never leaves a torn file") {
  const std::string path = scratch_path("autosave_kill.txt");
  write_file_atomically(path, version(0));
  int kills = 0;
  for (int round = 0; round < 12; ++round) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {  // child: save new versions as fast as it can until killed
      for (int v = 1;; ++v) write_file_atomically(path, version(v));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(2000 + 1700 * round));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    kills += WIFSIGNALED(status);
    INFO("round " << round);
    CHECK(is_whole_version(slurp(path)));
  }
  CHECK(kills == 12);
  // Leftover temporaries of killed writers are the only trace; the target is always whole.
  std::system(("rm -f '" + path + "'.tmp-*").c_str());
}

TEST_CASE("atomic write: a failing writer leaves the previous file as it was") {
  const std::string path = scratch_path("atomic_fail.txt");
  write_file_atomically(path, std::string("old contents"));
  CHECK_THROWS_AS(write_file_atomically(path, [](std::FILE* f) {
                    std::fputs("half of the new", f);
                    throw UserError("encoder failed");
                  }),
                  UserError);
  CHECK(slurp(path) == "old contents");
  CHECK_THROWS_WITH_AS(write_file_atomically(scratch_path("no/such/dir/file.txt"), std::string("x")),
                       doctest::Contains("cannot write"), UserError);
}

TEST_CASE("read_file: refuses devices, folders and files over the size limit") {
  CHECK_THROWS_WITH_AS(read_file("/dev/zero", 1 << 20), doctest::Contains("not a regular file"), UserError);
  CHECK_THROWS_WITH_AS(read_file(CONVSCOPE_TEST_TMP, 1 << 20), doctest::Contains("not a regular file"), UserError);
  const std::string path = scratch_path("big.bin");
  spit(path, std::string(5000, 'x'));
  CHECK_THROWS_WITH_AS(read_file(path, 4096), doctest::Contains("larger than 4096 bytes"), UserError);
  CHECK(read_file(path, 5000).size() == 5000);
  CHECK_THROWS_WITH_AS(read_file(scratch_path("missing.bin"), 10), doctest::Contains("cannot open"), UserError);
}

#if CONVSCOPE_HAVE_GUI
#include "app/gui/app_state.h"
#include "app/gui/session.h"

TEST_CASE("autosave: the app's own session save, killed while saving, always leaves a loadable setup") {
  const std::string path = scratch_path("autosave_app.json");
  AppState app;
  init_default_state(app);
  save_session(app, path);
  for (int round = 0; round < 8; ++round) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {  // child: the autosave, as fast as it can, with a changing setup
      for (int v = 0;; ++v) {
        app.layer.filters = 1 + v % 7;
        save_session(app, path);
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(3000 + 2500 * round));
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    AppState restored;
    init_default_state(restored);
    INFO("round " << round);
    CHECK_NOTHROW(load_session(restored, path));
    CHECK(restored.layer.filters >= 1);
    CHECK(restored.layer.filters <= 8);
  }
  std::system(("rm -f '" + path + "'.tmp-*").c_str());
}
#endif
