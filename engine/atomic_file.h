// Writing files so that nothing of the user's is lost: the bytes go to a temporary file beside
// the target, are flushed, then renamed over it in one step. A failure leaves the target as it was.
#pragma once
#include <functional>
#include <string>

namespace convscope {

// Calls write(FILE*) on a temporary file in the target's folder, then renames it to `path`.
// Throws UserError naming the path on any failure; the temporary is removed.
void write_file_atomically(const std::string& path, const std::function<void(std::FILE*)>& write);
void write_file_atomically(const std::string& path, const std::string& bytes);

// Whole file into memory, refusing files above max_bytes. Throws UserError.
std::string read_file(const std::string& path, size_t max_bytes);

}  // namespace convscope
