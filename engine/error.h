// One exception type for everything a user can get wrong (bad parameters, bad files, sizes over
// the limits). Its message is a single line meant to be shown as is: the CLI prints it and exits 2,
// the GUI shows it and keeps its last good state.
#pragma once
#include <stdexcept>
#include <string>

namespace convscope {

struct UserError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Raised when a cancellation token fires; not an error the user needs to see.
struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace convscope
