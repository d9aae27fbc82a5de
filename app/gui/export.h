// Saving what the app shows (GL-free): the selected feature map as PNG (the colours on screen) or
// .npy (raw float values), all maps at once, and the filtered image of the compare view.
#pragma once
#include <string>

#include "app/gui/compute.h"

namespace convscope {

// path ending in .npy: the raw (H, W) float32 values of the stage shown; otherwise a PNG of the map
// in its colour map. Throws UserError.
void save_map(const ComputeResult& r, int64_t channel, const std::string& path);
// Writes map_NN.png and map_NN.npy for every channel into `dir` (created if missing); returns the count.
int save_all_maps(const ComputeResult& r, const std::string& dir);
// path ending in .npy: the raw (H, W, C) output values; otherwise the normalised filtered image as PNG.
void save_filtered(const ComputeResult& r, const std::string& path);

bool ends_with(const std::string& s, const std::string& suffix);

}  // namespace convscope
