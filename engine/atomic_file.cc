#include "engine/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

#include "engine/error.h"

namespace convscope {

void write_file_atomically(const std::string& path, const std::function<void(std::FILE*)>& write) {
  std::string tmpl = path + ".tmp-XXXXXX";
  const int fd = mkstemp(tmpl.data());
  if (fd < 0) throw UserError("cannot write " + path + ": " + std::strerror(errno));
  std::FILE* f = fdopen(fd, "wb");
  if (!f) {
    ::close(fd);
    std::remove(tmpl.c_str());
    throw UserError("cannot write " + path + ": " + std::strerror(errno));
  }
  bool ok = false;
  std::string why;
  try {
    write(f);
    ok = std::fflush(f) == 0 && !std::ferror(f) && fsync(fileno(f)) == 0;
    if (!ok) why = std::strerror(errno);
  } catch (const std::exception& e) {
    why = e.what();
  }
  std::fclose(f);
  if (ok) {
    chmod(tmpl.c_str(), 0644);  // mkstemp makes 0600; ordinary files are 0644
    if (std::rename(tmpl.c_str(), path.c_str()) == 0) return;
    why = std::strerror(errno);
  }
  std::remove(tmpl.c_str());
  throw UserError("cannot write " + path + ": " + why);
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  write_file_atomically(path, [&](std::FILE* f) {
    if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size())
      throw UserError(std::strerror(errno));
  });
}

std::string read_file(const std::string& path, size_t max_bytes) {
  // Only regular files: a setup naming /dev/zero or a FIFO must not read forever.
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) throw UserError(path + " is not a regular file");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw UserError("cannot open " + path + ": " + std::strerror(errno));
  std::string data;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    if (data.size() + n > max_bytes) {
      std::fclose(f);
      throw UserError(path + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    data.append(buf, n);
  }
  const bool err = std::ferror(f);
  std::fclose(f);
  if (err) throw UserError("cannot read " + path);
  return data;
}

}  // namespace convscope
