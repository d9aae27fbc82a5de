#include "engine/kernel_library.h"

#include "engine/json_text.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/atomic_file.h"
#include "engine/error.h"

namespace convscope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr size_t kMaxKernelFileBytes = size_t{1} << 20;

bool is_dir(const std::string& path) {
  struct stat st {};
  return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// A JSON number as a finite double; `what` names the field in errors.
double number(const json& v, const std::string& source, const std::string& what) {
  if (!v.is_number()) throw UserError(source + ": " + what + " must be a number, got " + v.dump());
  const double d = v.get<double>();
  if (!std::isfinite(d) || std::fabs(d) > 3.0e38) throw UserError(source + ": " + what + " is not a finite float");
  return d;
}

int side(const json& v, const std::string& source) {
  if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > kMaxKernelSide)
    throw UserError(source + ": \"size\" values must be integers from 1 to " + std::to_string(kMaxKernelSide) +
                    ", got " + v.dump());
  return static_cast<int>(v.get<int64_t>());
}

std::string optional_text(const json& j, const char* key, const std::string& source) {
  if (!j.contains(key)) return "";
  if (!j[key].is_string()) throw UserError(source + ": \"" + key + "\" must be a string");
  return j[key].get<std::string>();
}

void check_plain(const Kernel& k, const std::string& source) {
  if (k.height < 1 || k.width < 1 || k.height > kMaxKernelSide || k.width > kMaxKernelSide)
    throw UserError(source + ": kernel size must be 1.." + std::to_string(kMaxKernelSide) + " on each side");
  if (k.weights.size() != static_cast<size_t>(k.height) * static_cast<size_t>(k.width))
    throw UserError(source + ": " + std::to_string(k.weights.size()) + " weights for a " + std::to_string(k.height) +
                    "x" + std::to_string(k.width) + " kernel");
  for (float w : k.weights)
    if (!std::isfinite(w)) throw UserError(source + ": weights must be finite numbers");
  if (!std::isfinite(k.scale) || !std::isfinite(k.divisor)) throw UserError(source + ": scale and divisor must be finite");
  if (k.divisor == 0.0) throw UserError(source + ": \"divisor\" must not be 0");
}

// Fills a combination's parts from the library's kernels; throws UserError naming what is missing.
void resolve_parts(Kernel& k, const std::map<std::string, const Kernel*>& by_name, const std::string& source) {
  k.parts.clear();
  for (const std::string& part : k.of) {
    auto it = by_name.find(part);
    if (it == by_name.end()) throw UserError(source + ": combination part '" + part + "' is not a known kernel");
    if (it->second->is_combination())
      throw UserError(source + ": combination part '" + part + "' is itself a combination");
    k.parts.push_back(*it->second);
  }
  if (k.parts[0].height != k.parts[1].height || k.parts[0].width != k.parts[1].width)
    throw UserError(source + ": combination parts '" + k.of[0] + "' and '" + k.of[1] + "' differ in size");
}

std::string format_number(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::ostringstream s;
    s << static_cast<long long>(v);
    return s.str();
  }
  return json(v).dump();  // shortest round-trip representation
}

std::string executable_dir() {
  std::string buf(4096, '\0');
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return "";
  buf.resize(static_cast<size_t>(n));
  return fs::path(buf).parent_path().string();
}

}  // namespace

std::vector<float> Kernel::effective_weights() const {
  std::vector<float> w;
  if (is_combination()) return w;
  w.reserve(weights.size());
  for (float v : weights) w.push_back(static_cast<float>(static_cast<double>(v) * scale / divisor));
  return w;
}

double Kernel::sum() const {
  if (is_combination()) return 0.0;
  double s = 0;
  for (float v : weights) s += v;
  return s * scale / divisor;
}

bool Kernel::zero_sum() const {
  if (is_combination()) return false;
  double s = 0, a = 0;
  for (float v : weights) {
    s += v;
    a += std::fabs(v);
  }
  return a > 0 && std::fabs(s) <= 1e-6 * a;
}

bool valid_kernel_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

Kernel parse_kernel_json(const std::string& text, const std::string& source) {
  const json j = parse_json_text(text, source);
  if (!j.is_object()) throw UserError(source + ": a kernel file must hold one JSON object");
  Kernel k;
  k.source = source;
  if (!j.contains("name")) throw UserError(source + ": missing \"name\"");
  if (!j["name"].is_string() || !valid_kernel_name(j["name"].get<std::string>()))
    throw UserError(source + ": \"name\" must be 1-64 letters, digits, '_' or '-', got " + j["name"].dump());
  k.name = j["name"].get<std::string>();
  k.description = optional_text(j, "description", source);
  k.purpose = optional_text(j, "purpose", source);

  if (j.contains("combine")) {
    if (j["combine"] != "magnitude")
      throw UserError(source + ": \"combine\" must be \"magnitude\", got " + j["combine"].dump());
    k.combine = "magnitude";
    if (!j.contains("of")) throw UserError(source + ": missing \"of\" (the x and y kernel names)");
    const json& of = j["of"];
    if (!of.is_array() || of.size() != 2 || !of[0].is_string() || !of[1].is_string())
      throw UserError(source + ": \"of\" must list two kernel names, e.g. [\"sobel_x\", \"sobel_y\"]");
    k.of = {of[0].get<std::string>(), of[1].get<std::string>()};
    return k;
  }

  if (!j.contains("size")) throw UserError(source + ": missing \"size\" ([height, width])");
  if (!j.contains("weights")) throw UserError(source + ": missing \"weights\"");
  const json& size = j["size"];
  if (size.is_array()) {
    if (size.size() != 2) throw UserError(source + ": \"size\" must be [height, width], got " + size.dump());
    k.height = side(size[0], source);
    k.width = side(size[1], source);
  } else {
    k.height = k.width = side(size, source);
  }

  const json& w = j["weights"];
  if (!w.is_array()) throw UserError(source + ": \"weights\" must be an array");
  const size_t count = static_cast<size_t>(k.height) * static_cast<size_t>(k.width);
  if (!w.empty() && w[0].is_array()) {
    if (w.size() != static_cast<size_t>(k.height))
      throw UserError(source + ": \"weights\" has " + std::to_string(w.size()) + " rows, \"size\" says " +
                      std::to_string(k.height));
    for (size_t r = 0; r < w.size(); ++r) {
      if (!w[r].is_array() || w[r].size() != static_cast<size_t>(k.width))
        throw UserError(source + ": row " + std::to_string(r + 1) + " of \"weights\" must hold " +
                        std::to_string(k.width) + " numbers");
      for (size_t c = 0; c < w[r].size(); ++c)
        k.weights.push_back(static_cast<float>(
            number(w[r][c], source, "weight [" + std::to_string(r + 1) + "][" + std::to_string(c + 1) + "]")));
    }
  } else {
    if (w.size() != count)
      throw UserError(source + ": \"weights\" has " + std::to_string(w.size()) + " numbers, a " +
                      std::to_string(k.height) + "x" + std::to_string(k.width) + " kernel needs " +
                      std::to_string(count));
    for (size_t i = 0; i < w.size(); ++i)
      k.weights.push_back(static_cast<float>(number(w[i], source, "weight " + std::to_string(i + 1))));
  }
  if (j.contains("scale")) k.scale = number(j["scale"], source, "\"scale\"");
  if (j.contains("divisor")) k.divisor = number(j["divisor"], source, "\"divisor\"");
  check_plain(k, source);
  return k;
}

Kernel load_kernel_file(const std::string& path) {
  return parse_kernel_json(read_file(path, kMaxKernelFileBytes), path);
}

std::string kernel_to_json(const Kernel& k) {
  std::string s = "{\n  \"name\": " + json(k.name).dump();
  if (!k.description.empty()) s += ",\n  \"description\": " + json(k.description).dump();
  if (!k.purpose.empty()) s += ",\n  \"purpose\": " + json(k.purpose).dump();
  if (k.is_combination()) {
    s += ",\n  \"combine\": " + json(k.combine).dump() + ",\n  \"of\": " + json(k.of).dump() + "\n}\n";
    return s;
  }
  s += ",\n  \"size\": [" + std::to_string(k.height) + ", " + std::to_string(k.width) + "]";
  s += ",\n  \"weights\": [";
  for (int r = 0; r < k.height; ++r) {
    s += r ? ",\n    [" : "\n    [";
    for (int c = 0; c < k.width; ++c) {
      if (c) s += ", ";
      s += format_number(k.weights[static_cast<size_t>(r * k.width + c)]);
    }
    s += "]";
  }
  s += "\n  ]";
  if (k.scale != 1.0) s += ",\n  \"scale\": " + format_number(k.scale);
  if (k.divisor != 1.0) s += ",\n  \"divisor\": " + format_number(k.divisor);
  s += "\n}\n";
  return s;
}

const Kernel* KernelLibrary::find(const std::string& name) const {
  for (const Kernel& k : kernels)
    if (k.name == name) return &k;
  return nullptr;
}

std::vector<std::string> KernelLibrary::names() const {
  std::vector<std::string> n;
  for (const Kernel& k : kernels) n.push_back(k.name);
  std::sort(n.begin(), n.end());
  return n;
}

KernelLibrary load_kernel_library(const std::vector<std::string>& dirs) {
  KernelLibrary lib;
  std::map<std::string, Kernel> by_name;
  const std::string user_dir = user_kernel_dir();
  for (size_t d = 0; d < dirs.size(); ++d) {
    const std::string& dir = dirs[d];
    if (dir.empty() || !fs::exists(dir)) continue;
    std::vector<std::string> files;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".json") files.push_back(it->path().string());
    if (ec) {
      lib.warnings.push_back(dir + ": cannot list the folder (" + ec.message() + ")");
      continue;
    }
    std::sort(files.begin(), files.end());
    const bool is_user_dir = !user_dir.empty() && fs::equivalent(dir, user_dir, ec);
    std::map<std::string, std::string> seen_here;  // name -> file, within this folder
    for (const std::string& file : files) {
      try {
        Kernel k = load_kernel_file(file);
        auto dup = seen_here.find(k.name);
        if (dup != seen_here.end()) {
          lib.warnings.push_back(file + ": kernel '" + k.name + "' is already defined by " + dup->second + "; skipped");
          continue;
        }
        seen_here[k.name] = file;
        k.user = is_user_dir;
        by_name[k.name] = std::move(k);
      } catch (const UserError& e) {
        lib.warnings.push_back(std::string(e.what()) + "; skipped");
      }
    }
  }
  std::map<std::string, const Kernel*> plain;
  for (const auto& [name, k] : by_name)
    if (!k.is_combination()) plain[name] = &k;
  for (auto& [name, k] : by_name) {
    if (k.is_combination()) {
      try {
        resolve_parts(k, plain, k.source);
      } catch (const UserError& e) {
        lib.warnings.push_back(std::string(e.what()) + "; skipped");
        continue;
      }
    }
    lib.kernels.push_back(k);
  }
  return lib;  // std::map iteration: sorted by name
}

std::string user_kernel_dir() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg && xdg[0] == '/') return std::string(xdg) + "/convscope/kernels";
  const char* home = std::getenv("HOME");
  if (home && home[0]) return std::string(home) + "/.config/convscope/kernels";
  return "";
}

std::string save_user_kernel(const Kernel& k, const std::string& dir_in) {
  const std::string dir = dir_in.empty() ? user_kernel_dir() : dir_in;
  if (dir.empty()) throw UserError("cannot save kernel: no user folder (neither XDG_CONFIG_HOME nor HOME is set)");
  if (!valid_kernel_name(k.name))
    throw UserError("cannot save kernel '" + k.name + "': a name is 1-64 letters, digits, '_' or '-'");
  if (k.is_combination()) {
    if (k.combine != "magnitude" || k.of.size() != 2) throw UserError("cannot save kernel '" + k.name + "': bad combination");
  } else {
    check_plain(k, "cannot save kernel '" + k.name + "'");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !is_dir(dir)) throw UserError("cannot create " + dir + ": " + (ec ? ec.message() : "not a folder"));
  const std::string path = dir + "/" + k.name + ".json";
  write_file_atomically(path, kernel_to_json(k));
  return path;
}

Kernel resolve_kernel(const KernelLibrary& lib, const std::string& text) {
  const bool is_path = text.find('/') != std::string::npos ||
                       (text.size() > 5 && text.compare(text.size() - 5, 5, ".json") == 0);
  if (!is_path) {
    if (const Kernel* k = lib.find(text)) return *k;
    std::string known;
    for (const std::string& n : lib.names()) known += (known.empty() ? "" : ", ") + n;
    throw UserError("unknown kernel '" + text + "'" +
                    (known.empty() ? " (no kernels are installed)" : "; known kernels: " + known) +
                    " (or give a path to a .json kernel file)");
  }
  Kernel k = load_kernel_file(text);
  if (k.is_combination()) {
    std::map<std::string, const Kernel*> plain;
    for (const Kernel& p : lib.kernels)
      if (!p.is_combination()) plain[p.name] = &p;
    resolve_parts(k, plain, text);
  }
  return k;
}

std::string find_builtin_kernel_dir(const std::string& build_assets_dir) {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("CONVSCOPE_KERNEL_DIR"); env && env[0]) candidates.push_back(env);
  const std::string exe = executable_dir();
  if (!exe.empty()) {
    candidates.push_back(exe + "/../share/convscope/kernels");
    candidates.push_back(exe + "/assets/kernels");
    candidates.push_back(exe + "/../assets/kernels");
  }
  if (!build_assets_dir.empty()) candidates.push_back(build_assets_dir + "/kernels");
  for (const std::string& c : candidates)
    if (is_dir(c)) return fs::path(c).lexically_normal().string();
  return "";
}

}  // namespace convscope
