// Decoding image files off the UI thread (GL-free). The app asks for an image (request_input in
// app_state.h), keeps showing the current input, and swaps the new one in when the loader has it
// (accept_loaded_image): opening a large photo never stalls a frame.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "app/gui/latest_worker.h"
#include "engine/tensor.h"

namespace convscope {

struct ImageRequest {
  uint64_t id = 0;   // AppState::input_pending when asked
  std::string path;
  bool gray = false;
  int max_side = 0;  // 0: full size
};

struct LoadedImage {
  uint64_t id = 0;
  std::string path;
  std::shared_ptr<const Tensor> image;  // (H, W, C), null when the load failed
  std::string error;                    // why it failed (a bad file is an answer, not a crash)
};

// Decodes on the calling thread. Throws Cancelled when `cancel` is set after decoding (a newer
// request replaced this one).
std::shared_ptr<LoadedImage> load_requested_image(const ImageRequest& request, const std::atomic<bool>* cancel);

class ImageLoader : public LatestWorker<ImageRequest, LoadedImage> {
 public:
  ImageLoader() : LatestWorker(load_requested_image) {}
};

}  // namespace convscope
