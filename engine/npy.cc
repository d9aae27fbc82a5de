#include "engine/npy.h"

#include <cctype>
#include <cstring>

#include "engine/atomic_file.h"
#include "engine/error.h"
#include "engine/limits.h"

namespace convscope {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMaxHeader = 1 << 16;  // real headers are ~128 bytes

// Value text after 'key': in the header dict, or "" when absent.
std::string dict_value(const std::string& header, const std::string& key) {
  for (const char q : {'\'', '"'}) {
    const std::string k = std::string(1, q) + key + q;
    size_t p = header.find(k);
    if (p == std::string::npos) continue;
    p = header.find(':', p + k.size());
    if (p == std::string::npos) return "";
    ++p;
    while (p < header.size() && std::isspace(static_cast<unsigned char>(header[p]))) ++p;
    if (p >= header.size()) return "";
    if (header[p] == '\'' || header[p] == '"') {
      const size_t e = header.find(header[p], p + 1);
      return e == std::string::npos ? "" : header.substr(p, e - p + 1);
    }
    if (header[p] == '(') {
      const size_t e = header.find(')', p);
      return e == std::string::npos ? "" : header.substr(p, e - p + 1);
    }
    size_t e = p;
    while (e < header.size() && (std::isalnum(static_cast<unsigned char>(header[e])))) ++e;
    return header.substr(p, e - p);
  }
  return "";
}

std::vector<int64_t> parse_shape(const std::string& text, const std::string& name) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')')
    throw UserError(name + ": malformed shape in the .npy header");
  std::vector<int64_t> shape;
  size_t p = 1;
  while (p < text.size() - 1) {
    while (p < text.size() - 1 && (text[p] == ' ' || text[p] == ',')) ++p;
    if (p >= text.size() - 1) break;
    if (!std::isdigit(static_cast<unsigned char>(text[p])))
      throw UserError(name + ": malformed shape " + text + " in the .npy header");
    int64_t v = 0;
    while (p < text.size() - 1 && std::isdigit(static_cast<unsigned char>(text[p]))) {
      v = checked_add(checked_mul(v, 10, name), text[p] - '0', name);
      ++p;
    }
    if (p < text.size() - 1 && text[p] == 'L') ++p;  // Python 2 longs
    shape.push_back(v);
    if (shape.size() > 32) throw UserError(name + ": too many dimensions in the .npy header");
  }
  return shape;
}

}  // namespace

Tensor parse_npy(const std::string& bytes, const std::string& name) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0)
    throw UserError(name + ": not a .npy file (wrong magic)");
  const unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, header_start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw UserError(name + ": truncated .npy header");
    header_len = 0;
    for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + i]);
    header_start = 12;
  } else {
    throw UserError(name + ": unsupported .npy format version " + std::to_string(major));
  }
  if (header_len > kMaxHeader) throw UserError(name + ": .npy header is absurdly long");
  if (bytes.size() < header_start + header_len) throw UserError(name + ": truncated .npy header");
  const std::string header = bytes.substr(header_start, header_len);

  const std::string descr = dict_value(header, "descr");
  const std::string fortran = dict_value(header, "fortran_order");
  const std::string shape_text = dict_value(header, "shape");
  if (descr.empty() || fortran.empty() || shape_text.empty())
    throw UserError(name + ": malformed .npy header (needs descr, fortran_order and shape)");
  if (fortran != "False") throw UserError(name + ": Fortran-order arrays are not supported (save with C order)");
  const std::string d = descr.substr(1, descr.size() - 2);
  size_t item = 0;
  if (d == "<f4" || d == "=f4") item = 4;
  else if (d == "<f8" || d == "=f8") item = 8;
  else if (d == ">f4" || d == ">f8") throw UserError(name + ": big-endian arrays are not supported (" + d + ")");
  else throw UserError(name + ": unsupported dtype '" + d + "' (expected float32 or float64)");

  const std::vector<int64_t> shape = parse_shape(shape_text, name);
  const int64_t count = element_count(shape, name);
  const size_t data_start = header_start + header_len;
  const size_t need = static_cast<size_t>(count) * item;
  if (bytes.size() - data_start < need)
    throw UserError(name + ": truncated data (header says " + shape_to_string(shape) + " = " +
                    std::to_string(need) + " bytes, file has " + std::to_string(bytes.size() - data_start) + ")");

  Tensor t;
  t.shape = shape;
  t.data.resize(static_cast<size_t>(count));
  const char* src = bytes.data() + data_start;
  if (item == 4) {
    if (need) std::memcpy(t.data.data(), src, need);  // an empty array has no buffer to copy into
  } else {
    for (int64_t i = 0; i < count; ++i) {
      double v;
      std::memcpy(&v, src + i * 8, 8);
      t.data[static_cast<size_t>(i)] = static_cast<float>(v);
    }
  }
  return t;
}

Tensor read_npy(const std::string& path) {
  const size_t max_bytes = static_cast<size_t>(max_tensor_elements()) * 8 + kMaxHeader + 16;
  return parse_npy(read_file(path, max_bytes), path);
}

std::string serialize_npy(const Tensor& t) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_to_string(t.shape) + ", }";
  // Pad so the data starts on a 64-byte boundary, header ending in '\n' (format spec).
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out(kMagic, 6);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(float));
  return out;
}

void write_npy(const std::string& path, const Tensor& t) { write_file_atomically(path, serialize_npy(t)); }

}  // namespace convscope
