#include "app/cli/animation_render.h"

#include <gif_lib.h>
#include <stb_truetype.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine/atomic_file.h"
#include "engine/error.h"
#include "engine/image_io.h"

namespace convscope {
namespace {

const stbtt_fontinfo* info_of(const std::vector<unsigned char>& v) {
  return reinterpret_cast<const stbtt_fontinfo*>(v.data());
}

// Next code point of UTF-8 text (invalid bytes become '?').
int next_codepoint(const std::string& s, size_t& i) {
  const unsigned char c = static_cast<unsigned char>(s[i++]);
  if (c < 0x80) return c;
  int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (n == 0) return '?';
  int cp = c & (0x3F >> n);
  while (n-- > 0 && i < s.size()) cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
  return cp;
}

void blend(RgbaImage& img, int x, int y, Rgba c, float coverage) {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height || coverage <= 0) return;
  const float a = std::min(1.0f, coverage) * (static_cast<float>(c.a) / 255.0f);
  uint8_t* p = &img.pixels[(static_cast<size_t>(y) * static_cast<size_t>(img.width) + static_cast<size_t>(x)) * 4];
  p[0] = static_cast<uint8_t>(std::lround(p[0] + (c.r - p[0]) * a));
  p[1] = static_cast<uint8_t>(std::lround(p[1] + (c.g - p[1]) * a));
  p[2] = static_cast<uint8_t>(std::lround(p[2] + (c.b - p[2]) * a));
  p[3] = 255;
}

void fill_box(RgbaImage& img, float x0, float y0, float x1, float y1, Rgba c) {
  if (c.a == 0) return;
  const int ix0 = static_cast<int>(std::lround(x0)), iy0 = static_cast<int>(std::lround(y0));
  const int ix1 = static_cast<int>(std::lround(x1)), iy1 = static_cast<int>(std::lround(y1));
  for (int y = std::max(0, iy0); y < std::min(img.height, iy1); ++y)
    for (int x = std::max(0, ix0); x < std::min(img.width, ix1); ++x) blend(img, x, y, c, 1.0f);
}

// A thick segment, anti-aliased by distance; dashed: 6 on, 4 off.
void draw_line(RgbaImage& img, float x0, float y0, float x1, float y1, Rgba c, float w, bool dashed) {
  const float dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy, len = std::sqrt(len2);
  const float r = w * 0.5f;
  const int bx0 = static_cast<int>(std::floor(std::min(x0, x1) - r - 1)), bx1 = static_cast<int>(std::ceil(std::max(x0, x1) + r + 1));
  const int by0 = static_cast<int>(std::floor(std::min(y0, y1) - r - 1)), by1 = static_cast<int>(std::ceil(std::max(y0, y1) + r + 1));
  for (int y = std::max(0, by0); y < std::min(img.height, by1); ++y)
    for (int x = std::max(0, bx0); x < std::min(img.width, bx1); ++x) {
      const float px = static_cast<float>(x) + 0.5f, py = static_cast<float>(y) + 0.5f;
      float t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0.0f;
      t = std::clamp(t, 0.0f, 1.0f);
      if (dashed && std::fmod(t * len, 10.0f) >= 6.0f) continue;
      const float ex = x0 + t * dx - px, ey = y0 + t * dy - py;
      const float d = std::sqrt(ex * ex + ey * ey);
      blend(img, x, y, c, std::clamp(r + 0.5f - d, 0.0f, 1.0f));
    }
}

void stroke_box(RgbaImage& img, float x0, float y0, float x1, float y1, Rgba c, float w, bool dashed) {
  if (c.a == 0 || w <= 0) return;
  if (!dashed) {  // crisp bands centred on the edges
    const float h = w * 0.5f;
    fill_box(img, x0 - h, y0 - h, x1 + h, y0 + h, c);
    fill_box(img, x0 - h, y1 - h, x1 + h, y1 + h, c);
    fill_box(img, x0 - h, y0 + h, x0 + h, y1 - h, c);
    fill_box(img, x1 - h, y0 + h, x1 + h, y1 - h, c);
    return;
  }
  draw_line(img, x0, y0, x1, y0, c, w, true);
  draw_line(img, x1, y0, x1, y1, c, w, true);
  draw_line(img, x1, y1, x0, y1, c, w, true);
  draw_line(img, x0, y1, x0, y0, c, w, true);
}

int gif_write_to_string(GifFileType* gif, const GifByteType* data, int n) {
  static_cast<std::string*>(gif->UserData)->append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  return n;
}

}  // namespace

std::string scene_font_path() {
  if (const char* env = std::getenv("CONVSCOPE_FONT"); env && *env) return env;
  return "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
}

SceneFont::SceneFont() {
  const std::string path = scene_font_path();
  try {
    data_ = read_file(path, 64u << 20);
  } catch (const UserError&) {
    throw UserError("cannot read the font " + path + " (install Debian's fonts-dejavu-core, or set CONVSCOPE_FONT to a .ttf file)");
  }
  info_.resize(sizeof(stbtt_fontinfo));
  auto* info = reinterpret_cast<stbtt_fontinfo*>(info_.data());
  const auto* bytes = reinterpret_cast<const unsigned char*>(data_.data());
  if (!stbtt_InitFont(info, bytes, stbtt_GetFontOffsetForIndex(bytes, 0)))
    throw UserError("the font " + path + " is not a TrueType font stb_truetype can read");
}

const SceneFont& SceneFont::get() {
  static const SceneFont font;  // read once; const afterwards, so safe from any thread
  return font;
}

float SceneFont::measure(const std::string& text, float size) const {
  const stbtt_fontinfo* info = info_of(info_);
  const float scale = stbtt_ScaleForPixelHeight(info, size);
  float w = 0;
  for (size_t i = 0; i < text.size();) {
    int adv = 0, lsb = 0;
    stbtt_GetCodepointHMetrics(info, next_codepoint(text, i), &adv, &lsb);
    w += static_cast<float>(adv) * scale;
  }
  return w;
}

MeasureText SceneFont::measurer() const {
  return [this](const std::string& t, float size) { return measure(t, size); };
}

void SceneFont::draw(RgbaImage& img, float x, float y, const std::string& text, float size, Rgba colour, Align align) const {
  const stbtt_fontinfo* info = info_of(info_);
  const float scale = stbtt_ScaleForPixelHeight(info, size);
  int ascent = 0, descent = 0, gap = 0;
  stbtt_GetFontVMetrics(info, &ascent, &descent, &gap);
  if (align != Align::Left) x -= measure(text, size) * (align == Align::Center ? 0.5f : 1.0f);
  const int baseline = static_cast<int>(std::lround(y + static_cast<float>(ascent) * scale));
  float pen = x;
  std::vector<unsigned char> glyph;
  for (size_t i = 0; i < text.size();) {
    const int cp = next_codepoint(text, i);
    int adv = 0, lsb = 0;
    stbtt_GetCodepointHMetrics(info, cp, &adv, &lsb);
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    stbtt_GetCodepointBitmapBox(info, cp, scale, scale, &x0, &y0, &x1, &y1);
    const int gw = x1 - x0, gh = y1 - y0;
    if (gw > 0 && gh > 0) {
      glyph.assign(static_cast<size_t>(gw * gh), 0);
      stbtt_MakeCodepointBitmap(info, glyph.data(), gw, gh, gw, scale, scale, cp);
      const int ox = static_cast<int>(std::lround(pen)) + x0, oy = baseline + y0;
      for (int gy = 0; gy < gh; ++gy)
        for (int gx = 0; gx < gw; ++gx)
          blend(img, ox + gx, oy + gy, colour, glyph[static_cast<size_t>(gy * gw + gx)] / 255.0f);
    }
    pen += static_cast<float>(adv) * scale;
  }
}

RgbaImage render_scene(const Scene& scene, int width, int height) {
  RgbaImage img;
  img.width = width;
  img.height = height;
  img.pixels.assign(static_cast<size_t>(width) * static_cast<size_t>(height) * 4, 255);
  const SceneFont& font = SceneFont::get();
  for (const SceneItem& it : scene.items) {
    switch (it.kind) {
      case ItemKind::Rect:
        fill_box(img, it.x0, it.y0, it.x1, it.y1, it.fill);
        stroke_box(img, it.x0, it.y0, it.x1, it.y1, it.stroke, it.width, it.dashed);
        break;
      case ItemKind::Line:
        draw_line(img, it.x0, it.y0, it.x1, it.y1, it.stroke, it.width, it.dashed);
        break;
      case ItemKind::Text:
        font.draw(img, it.x0, it.y0, it.text, it.size, it.stroke, it.align);
        break;
    }
  }
  return img;
}

void write_animated_gif(const std::string& path, const std::vector<RgbaImage>& frames, int delay_cs,
                        const ExportProgress& progress) {
  if (frames.empty()) throw UserError("no frames to write to " + path);
  const int w = frames[0].width, h = frames[0].height;
  std::string bytes;
  int err = 0;
  GifFileType* gif = EGifOpen(&bytes, gif_write_to_string, &err);
  if (!gif) throw UserError(std::string("cannot start a GIF: ") + GifErrorString(err));
  auto fail = [&](const char* what) {
    const std::string why = GifErrorString(gif->Error) ? GifErrorString(gif->Error) : "unknown error";
    EGifCloseFile(gif, &err);
    throw UserError("cannot write " + path + ": " + what + " (" + why + ")");
  };
  EGifSetGifVersion(gif, true);
  if (EGifPutScreenDesc(gif, w, h, 8, 0, nullptr) == GIF_ERROR) fail("screen descriptor");
  // Loop forever: the NETSCAPE2.0 application extension.
  {
    static const GifByteType app[] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
    static const GifByteType loop[] = {1, 0, 0};
    if (EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
        EGifPutExtensionBlock(gif, sizeof app, app) == GIF_ERROR ||
        EGifPutExtensionBlock(gif, sizeof loop, loop) == GIF_ERROR || EGifPutExtensionTrailer(gif) == GIF_ERROR)
      fail("loop extension");
  }
  const size_t n = static_cast<size_t>(w) * static_cast<size_t>(h);
  std::vector<GifByteType> r(n), g(n), b(n), index(n);
  std::vector<GifColorType> palette(256);
  for (size_t f = 0; f < frames.size(); ++f) {
    const RgbaImage& img = frames[f];
    if (img.width != w || img.height != h) fail("frames differ in size");
    for (size_t i = 0; i < n; ++i) {
      r[i] = img.pixels[i * 4];
      g[i] = img.pixels[i * 4 + 1];
      b[i] = img.pixels[i * 4 + 2];
    }
    int colours = 256;
    if (GifQuantizeBuffer(static_cast<unsigned>(w), static_cast<unsigned>(h), &colours, r.data(), g.data(), b.data(),
                          index.data(), palette.data()) == GIF_ERROR)
      fail("colour quantisation");
    ColorMapObject* map = GifMakeMapObject(256, palette.data());
    GraphicsControlBlock gcb{};
    gcb.DisposalMode = DISPOSE_DO_NOT;
    gcb.DelayTime = f + 1 == frames.size() ? delay_cs * 3 : delay_cs;
    gcb.TransparentColor = NO_TRANSPARENT_COLOR;
    GifByteType ext[4];
    const size_t len = EGifGCBToExtension(&gcb, ext);
    const bool ok = EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(len), ext) != GIF_ERROR &&
                    EGifPutImageDesc(gif, 0, 0, w, h, false, map) != GIF_ERROR;
    GifFreeMapObject(map);
    if (!ok) fail("frame header");
    for (int y = 0; y < h; ++y)
      if (EGifPutLine(gif, index.data() + static_cast<size_t>(y) * static_cast<size_t>(w), w) == GIF_ERROR) fail("pixels");
    if (progress && !progress(static_cast<int64_t>(f + 1), static_cast<int64_t>(frames.size()))) {
      EGifCloseFile(gif, &err);
      throw Cancelled();
    }
  }
  if (EGifCloseFile(gif, &err) == GIF_ERROR) throw UserError("cannot finish " + path + ": " + GifErrorString(err));
  write_file_atomically(path, bytes);
}

std::vector<int64_t> export_tap_steps(const StepModel& m, StepGranularity g, int64_t max_frames) {
  const int64_t count = m.step_count(g);
  std::vector<int64_t> steps;
  if (max_frames < 1) max_frames = 1;
  if (count <= max_frames) {
    for (int64_t s = 0; s < count; ++s) steps.push_back(m.tap_step_at_end(g, s));
  } else {
    for (int64_t i = 0; i < max_frames; ++i) {
      const int64_t s = max_frames == 1 ? count - 1 : i * (count - 1) / (max_frames - 1);
      steps.push_back(m.tap_step_at_end(g, s));
    }
  }
  return steps;
}

std::vector<RgbaImage> render_animation(const StepModel& m, const std::vector<int64_t>& tap_steps,
                                        const SceneOptions& base, const ExportProgress& progress) {
  const SceneFont& font = SceneFont::get();
  const MeasureText measure = font.measurer();
  std::vector<Scene> scenes;
  float w = 0, h = 0;
  for (int64_t s : tap_steps) {
    SceneOptions o = base;
    o.tap_step = s;
    scenes.push_back(build_scene(m, o, measure));
    w = std::max(w, scenes.back().width);
    h = std::max(h, scenes.back().height);
  }
  std::vector<RgbaImage> frames;
  const int iw = static_cast<int>(std::ceil(w)), ih = static_cast<int>(std::ceil(h));
  for (size_t i = 0; i < scenes.size(); ++i) {
    frames.push_back(render_scene(scenes[i], iw, ih));
    if (progress && !progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(scenes.size()))) throw Cancelled();
  }
  return frames;
}

void write_png_frames(const std::string& dir, const std::vector<RgbaImage>& frames, const ExportProgress& progress) {
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    throw UserError("cannot create the folder " + dir + ": " + std::strerror(errno));
  for (size_t i = 0; i < frames.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/frame_%04zu.png", i);
    save_png_bytes(dir + name, frames[i].width, frames[i].height, 4, frames[i].pixels.data());
    if (progress && !progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(frames.size()))) throw Cancelled();
  }
}

}  // namespace convscope
