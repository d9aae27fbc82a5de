#include "app/gui/image_loader.h"

#include <exception>

#include "engine/error.h"
#include "engine/image_io.h"

namespace convscope {

std::shared_ptr<LoadedImage> load_requested_image(const ImageRequest& request, const std::atomic<bool>* cancel) {
  auto out = std::make_shared<LoadedImage>();
  out->id = request.id;
  out->path = request.path;
  try {
    out->image = std::make_shared<const Tensor>(load_image(request.path, request.gray, request.max_side));
  } catch (const std::exception& e) {
    out->error = e.what();
  }
  if (cancel && cancel->load()) throw Cancelled();
  return out;
}

}  // namespace convscope
