// The desktop app's main loop: init, loop (poll, submit/collect compute jobs, NewFrame trio, draw
// the panels, render), shutdown in reverse. Also the screenshot mode used by the tests and the
// diagnostic measurements (CONVSCOPE_MEASURE=1, see measure_app() below).
#include "app/gui/run_gui.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <GL/gl.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <nlohmann/json.hpp>

#include "app/gui/app_state.h"
#include "app/gui/compute.h"
#include "app/gui/session.h"
#include "app/gui/ui.h"
#include "engine/image_io.h"

namespace convscope {

namespace {

const char* kNoDisplay =
    "convscope: no display to open the app on (DISPLAY/WAYLAND_DISPLAY unset or unusable); run it under a virtual "
    "display (xvfb-run -a convscope ...) or use the command line (convscope --help)\n";

struct DropQueue {
  std::vector<std::string> paths;
};

void drop_callback(GLFWwindow* w, int count, const char** paths) {
  auto* q = static_cast<DropQueue*>(glfwGetWindowUserPointer(w));
  if (q && count > 0) q->paths.emplace_back(paths[0]);
}

void apply_style(float scale) {
  ImGui::StyleColorsDark();
  ImGuiStyle& s = ImGui::GetStyle();
  s.WindowRounding = 0;
  s.ChildRounding = 5;
  s.FrameRounding = 4;
  s.PopupRounding = 5;
  s.GrabRounding = 4;
  s.TabRounding = 5;
  s.ScrollbarRounding = 6;
  s.WindowPadding = ImVec2(10, 8);
  s.FramePadding = ImVec2(7, 4);
  s.ItemSpacing = ImVec2(8, 6);
  s.ItemInnerSpacing = ImVec2(6, 4);
  s.ChildBorderSize = 1;
  ImVec4* c = s.Colors;
  c[ImGuiCol_WindowBg] = ImVec4(0.105f, 0.11f, 0.125f, 1.0f);
  c[ImGuiCol_ChildBg] = ImVec4(0.13f, 0.135f, 0.155f, 1.0f);
  c[ImGuiCol_PopupBg] = ImVec4(0.13f, 0.135f, 0.155f, 0.98f);
  c[ImGuiCol_Border] = ImVec4(0.24f, 0.25f, 0.29f, 1.0f);
  c[ImGuiCol_FrameBg] = ImVec4(0.19f, 0.20f, 0.235f, 1.0f);
  c[ImGuiCol_FrameBgHovered] = ImVec4(0.25f, 0.27f, 0.32f, 1.0f);
  c[ImGuiCol_FrameBgActive] = ImVec4(0.28f, 0.31f, 0.38f, 1.0f);
  c[ImGuiCol_MenuBarBg] = ImVec4(0.085f, 0.09f, 0.10f, 1.0f);
  c[ImGuiCol_Tab] = ImVec4(0.16f, 0.17f, 0.20f, 1.0f);
  c[ImGuiCol_TabHovered] = ImVec4(0.30f, 0.45f, 0.70f, 1.0f);
  c[ImGuiCol_TabActive] = ImVec4(0.24f, 0.38f, 0.62f, 1.0f);
  c[ImGuiCol_TableRowBgAlt] = ImVec4(1, 1, 1, 0.03f);
  s.ScaleAllSizes(scale);
}

void load_fonts(float scale) {
  ImGuiIO& io = ImGui::GetIO();
  const std::string assets = CONVSCOPE_ASSETS_DIR;
  auto first_existing = [](std::initializer_list<std::string> paths) -> std::string {
    for (const auto& p : paths)
      if (std::filesystem::exists(p)) return p;
    return "";
  };
  const std::string sans = first_existing({assets + "/fonts/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"});
  const std::string mono = first_existing({assets + "/fonts/DejaVuSansMono.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"});
  if (!sans.empty() && io.Fonts->AddFontFromFileTTF(sans.c_str(), std::round(15.0f * scale))) {
    if (!mono.empty()) set_ui_font_mono(io.Fonts->AddFontFromFileTTF(mono.c_str(), std::round(14.0f * scale)));
  } else {
    ImFontConfig cfg;
    cfg.SizePixels = std::round(13.0f * scale);
    io.Fonts->AddFontDefault(&cfg);
  }
}

void save_framebuffer_png(const std::string& path, int w, int h) {
  std::vector<unsigned char> pixels(size_t(w) * size_t(h) * 3), flipped(pixels.size());
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  for (int y = 0; y < h; ++y)  // GL's rows go bottom-up
    std::copy_n(&pixels[size_t(h - 1 - y) * size_t(w) * 3], size_t(w) * 3, &flipped[size_t(y) * size_t(w) * 3]);
  save_png_bytes(path, w, h, 3, flipped.data());
}

void write_regions(const Ui& ui, const std::string& path, int w, int h) {
  nlohmann::json j;
  j["width"] = w;
  j["height"] = h;
  for (const auto& [name, r] : ui.regions) {
    j["regions"][name] = {{"x", r.x}, {"y", r.y}, {"w", r.w}, {"h", r.h}};
    auto it = ui.region_cells.find(name);
    if (it != ui.region_cells.end()) j["regions"][name]["cells"] = it->second;
  }
  std::ofstream(path) << j.dump(1) << "\n";
}

void draw_app(AppState& app, Ui& ui, bool* quit) {
  ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0);
  ImGui::Begin("ConvScope", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_MenuBar | ImGuiWindowFlags_NoBringToFrontOnFocus);
  ImGui::PopStyleVar();
  draw_menu_bar(app, ui, quit);
  handle_shortcuts(app, ui, quit);
  const float em = ImGui::GetFontSize();
  const float status_h = ImGui::GetFrameHeightWithSpacing() + 2;
  const float left_w = std::clamp(ImGui::GetContentRegionAvail().x * 0.29f, em * 20, em * 28);

  const bool requested_left = app.view.tab_requested;
  ImGui::BeginChild("left", ImVec2(left_w, -status_h), true);
  if (ImGui::BeginTabBar("left_tabs")) {
    struct Tab {
      const char* name;
      void (*draw)(AppState&, Ui&);
      const char* help;
    };
    static const Tab kLeft[] = {
        {"Input", draw_input_panel, "The image or integer grid the layer runs on."},
        {"Layer", draw_layer_panel, "Conv2D / Conv2DTranspose and all of its parameters."},
        {"Kernel", draw_kernel_panel, "The weights: edit, presets, Keras initializers, bias."},
        {"Weights+", draw_weights_panel, "Regularizer penalties and weight constraints."},
    };
    for (int i = 0; i < 4; ++i) {
      const Tab& t = kLeft[i];
      const ImGuiTabItemFlags flags = (requested_left && int(app.view.left_tab) == i) ? ImGuiTabItemFlags_SetSelected : 0;
      if (ImGui::BeginTabItem(t.name, nullptr, flags)) {
        if (!requested_left && int(app.view.left_tab) != i) app.view.left_tab = LeftTab(i);
        ImGui::BeginChild("scroll", ImVec2(0, 0), false);
        t.draw(app, ui);
        ImGui::EndChild();
        ImGui::EndTabItem();
      }
      item_tooltip(t.help);
    }
    ImGui::EndTabBar();
  }
  ImGui::EndChild();

  ImGui::SameLine();
  ImGui::BeginChild("main", ImVec2(0, -status_h), true, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  if (ImGui::BeginTabBar("main_tabs")) {
    struct Tab {
      MainTab tab;
      const char* name;
      const char* help;
    };
    static const Tab kMain[] = {
        {MainTab::Maps, "Feature maps", "Every output channel as an image (1)."},
        {MainTab::Compare, "Compare", "Input and filtered output side by side or split (2)."},
        {MainTab::Steps, "Step by step", "Watch the convolution one step at a time (3)."},
        {MainTab::Shapes, "Shapes", "Shapes, padding and Keras's formulas; data_format in memory (4)."},
        {MainTab::Code, "Code", "Keras and PyTorch code for this layer (5)."},
        {MainTab::Help, "Help", "How to read the app; keyboard shortcuts (6, F1)."},
    };
    const bool requested = app.view.tab_requested;
    app.view.tab_requested = false;
    for (const Tab& t : kMain) {
      const ImGuiTabItemFlags flags = (requested && app.view.tab == t.tab) ? ImGuiTabItemFlags_SetSelected : 0;
      const bool open = ImGui::BeginTabItem(t.name, nullptr, flags);
      item_tooltip(t.help);
      if (!open) continue;
      if (!requested && app.view.tab != t.tab) {
        app.view.tab = t.tab;
        app.autosave_dirty = true;
      }
      ImGui::BeginChild("content", ImVec2(0, 0), false,
                        t.tab == MainTab::Shapes || t.tab == MainTab::Help || t.tab == MainTab::Steps
                            ? 0
                            : ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
      switch (t.tab) {
        case MainTab::Maps: draw_maps_panel(app, ui); break;
        case MainTab::Compare: draw_compare_panel(app, ui); break;
        case MainTab::Steps: draw_animation_panel(app); break;
        case MainTab::Shapes: draw_shapes_panel(app, ui); break;
        case MainTab::Code: draw_code_panel(app, ui); break;
        case MainTab::Help: draw_help_panel(app, ui); break;
      }
      ImGui::EndChild();
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
  draw_status_bar(app, ui);
  perform_prompt(app, ui);
  ImGui::End();
}

bool parse_size(const std::string& s, int* w, int* h) {
  return std::sscanf(s.c_str(), "%dx%d", w, h) == 2 && *w >= 320 && *h >= 240 && *w <= 16384 && *h <= 16384;
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

}  // namespace

int run_gui(const GuiOptions& options) {
  const bool screenshot = !options.screenshot_path.empty();
  const char* display = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  if ((!display || !*display) && (!wayland || !*wayland)) {
    std::fputs(kNoDisplay, stderr);
    return 2;
  }
  int win_w = 1280, win_h = 800;
  if (!options.window_size.empty() && !parse_size(options.window_size, &win_w, &win_h)) {
    std::fprintf(stderr, "convscope: error: --size wants WxH (e.g. 1280x800), got '%s'\n", options.window_size.c_str());
    return 2;
  }

  // The state first, so a bad session file is reported before any window opens.
  AppState app;
  init_default_state(app);
  std::string start_error;
  if (!options.session_path.empty()) {
    try {
      load_session(app, options.session_path);
    } catch (const std::exception& e) {
      // The app still opens, on its defaults, and shows the error (the screenshot too).
      std::fprintf(stderr, "convscope: error: %s\n", e.what());
      start_error = e.what();
    }
  } else if (!screenshot && !autosave_path().empty() && std::filesystem::exists(autosave_path())) {
    try {
      load_session(app, autosave_path());
    } catch (const std::exception& e) {
      start_error = std::string("autosave not restored: ") + e.what();
    }
  }
  if (!options.image.empty()) {
    app.input_settings.kind = InputKind::Image;
    app.input_settings.image_path = options.image;
    if (!load_input(app)) {
      std::fprintf(stderr, "convscope: error: %s\n", app.error.c_str());
      if (start_error.empty()) start_error = app.error;
      else start_error += "; " + app.error;
    }
  }
  if (!start_error.empty()) app.error = start_error;
  if (options.window_size.empty() && !screenshot && app.view.window_w >= 320 && app.view.window_h >= 240) {
    win_w = std::min(app.view.window_w, 16384);  // remembered from the last session
    win_h = std::min(app.view.window_h, 16384);
  }

  glfwSetErrorCallback([](int, const char*) {});
  if (!glfwInit()) {
    std::fputs(kNoDisplay, stderr);
    return 2;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  if (screenshot) glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);
  GLFWwindow* window = glfwCreateWindow(win_w, win_h, "ConvScope", nullptr, nullptr);
  if (!window) {
    std::fputs("convscope: cannot create an OpenGL 3.3 window here; try xvfb-run -a convscope, or the command line "
               "(convscope --help)\n", stderr);
    glfwTerminate();
    return 2;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(screenshot ? 0 : 1);
  DropQueue drops;
  glfwSetWindowUserPointer(window, &drops);
  glfwSetDropCallback(window, drop_callback);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  std::string ini_path;
  if (screenshot || config_dir().empty()) {
    io.IniFilename = nullptr;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(config_dir(), ec);
    ini_path = config_dir() + "/imgui.ini";
    io.IniFilename = ini_path.c_str();
  }
  float xs = 1, ys = 1;
  glfwGetWindowContentScale(window, &xs, &ys);
  const float scale = std::clamp(std::max(xs, ys), 1.0f, 4.0f);
  load_fonts(scale);
  apply_style(scale);
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");

  auto worker_owner = std::make_unique<ComputeWorker>();  // stopped before GLFW goes (it posts events)
  ComputeWorker& worker = *worker_owner;
  worker.set_on_done([] { glfwPostEmptyEvent(); });  // wake the event loop: new maps to show
  auto images_owner = std::make_unique<ImageLoader>();  // the same: posts events
  ImageLoader& images = *images_owner;
  images.set_on_done([] { glfwPostEmptyEvent(); });  // wake the event loop: the image is in
  Ui ui;
  ui.worker = &worker;
  ui.images = &images;
  ui.screenshot_mode = screenshot;
  ui.scale = scale;
  ui.sample_paths = bundled_sample_paths();
  for (const auto& p : ui.sample_paths) {
    GlTexture t;
    try {
      ui.sample_thumbs.push_back(image_to_rgba(load_image(p, false, 96)));
    } catch (const std::exception&) {
      ui.sample_thumbs.push_back(Image8{});
    }
    t.update(ui.sample_thumbs.back(), &ui.sample_thumbs.back());
    ui.sample_tex.push_back(std::move(t));
  }

  // Latency bookkeeping: the submit time of the result first shown this frame.
  bool latency_pending = false;
  Clock::time_point latency_start;
  auto last_autosave = Clock::now();
  bool quit = false;

  // One frame; returns the frame's duration in ms. final: the screenshot frame.
  auto frame = [&](bool wait_for_compute) {
    const auto t0 = Clock::now();
    glfwPollEvents();
    for (const auto& path : drops.paths) open_image(app, ui, path);  // the last one dropped wins
    drops.paths.clear();
    if (wait_for_compute) images.wait_idle();
    drop_stale_session(app, ui.session);
    if (auto loaded = images.take_result())
      if (!accept_session_image(app, ui.session, *loaded)) accept_loaded_image(app, *loaded);
    if (needs_job(app)) worker.submit(make_job(app));
    if (wait_for_compute) worker.wait_idle();
    if (auto r = worker.take_result()) {
      latency_start = r->submitted;
      latency_pending = true;
      accept_result(app, std::move(r));
    }
    std::string err = worker.take_error();
    if (!err.empty()) app.compute_error = err;
    update_input_texture(app, ui);
    update_result_textures(app, ui);

    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    if (screenshot) io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);  // no stray hover in pictures
    ImGui::NewFrame();
    if (screenshot) ui.regions.clear();  // only what this frame draws goes to the checker
    draw_app(app, ui, &quit);
    ImGui::Render();
    int fw = 0, fh = 0;
    glfwGetFramebufferSize(window, &fw, &fh);
    glViewport(0, 0, fw, fh);
    glClearColor(0.1f, 0.1f, 0.11f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    const auto t1 = Clock::now();
    ui.frame_ms = ms_between(t0, t1);
    return fw * 0 + ui.frame_ms;
  };
  auto present = [&]() {
    glfwSwapBuffers(window);
    if (latency_pending) {
      ui.last_latency_ms = ms_between(latency_start, Clock::now());
      latency_pending = false;
    }
  };

  // Sleep until something happens: input, a finished job (the worker posts an empty event), or,
  // while a job runs, the next tick of the progress spinner. The UI never spins the CPU the
  // engine needs.
  auto wait_for_events = [&]() {
    if (needs_job(app) || latency_pending || !drops.paths.empty()) return;
    glfwWaitEventsTimeout(worker.busy() || images.busy() ? 1.0 / 30.0 : 0.5);
  };

  int status = 0;
  const char* measure = std::getenv("CONVSCOPE_MEASURE");
  if (screenshot && measure && *measure && std::string(measure) != "0") {
    // Diagnostics (see the report): update latency at 512x512 with 8 filters, and frame times
    // while a 1080p image recomputes.
    auto settle = [&]() {
      for (int i = 0; i < 3; ++i) {
        frame(true);
        present();
      }
    };
    app.input_settings = InputSettings{};
    app.input_settings.image_path = std::string(CONVSCOPE_ASSETS_DIR) + "/images/astronaut.png";
    app.input_settings.max_side = 0;
    load_input(app);
    app.layer = Layer{};
    app.layer.filters = 8;
    app.layer.padding.kind = PaddingKind::Same;
    app.kernel_settings.source = KernelSource::Initializer;
    mark_changed(app, Change::Layer);
    app.view.tab = MainTab::Maps;
    app.view.tab_requested = true;
    settle();
    std::vector<double> lat, eng, worker_ms, display_ms;
    for (int i = 0; i < 30; ++i) {
      app.kernel_settings.seed = 1000u + uint32_t(i);
      apply_initializer(app);
      mark_changed(app, Change::Weights);
      const auto t0 = Clock::now();
      const uint64_t want = app.compute_version;
      for (;;) {  // the interactive loop's rhythm: wait for events, draw
        wait_for_events();
        frame(false);
        present();
        if (app.result && app.result->compute_version == want) break;
      }
      lat.push_back(ms_between(t0, Clock::now()));
      eng.push_back(app.result->engine_ms);
      worker_ms.push_back(ms_between(app.result->submitted, app.result->finished));
      display_ms.push_back(ms_between(app.result->finished, Clock::now()));
    }
    std::printf("update latency, %lldx%lldx%lld input, %d filters 3x3 'same' (change -> frame showing the new maps): "
"median %.1f ms, p90 %.1f ms, max %.1f ms; engine median %.1f ms, whole job (engine + stats + colours) median %.1f ms, "
                "result -> presented median %.1f ms; %d threads, SIMD %s, tuning %s\n",
                (long long)app.input->dim(1), (long long)app.input->dim(0), (long long)app.input->dim(2), app.layer.filters,
                percentile(lat, 0.5), percentile(lat, 0.9), percentile(lat, 1.0), percentile(eng, 0.5),
                percentile(worker_ms, 0.5), percentile(display_ms, 0.5),
                app.result->threads, app.result->simd.c_str(), app.result->tuning.c_str());

    // 1080p: a smooth synthetic RGB image, 1920x1080.
    Tensor big({1080, 1920, 3}, "input");
    for (int64_t y = 0; y < 1080; ++y)
      for (int64_t x = 0; x < 1920; ++x)
        for (int64_t c = 0; c < 3; ++c)
          big.data[size_t((y * 1920 + x) * 3 + c)] = float(0.5 + 0.5 * std::sin(double(x) * 0.01 * double(c + 1) + double(y) * 0.013));
    app.input = std::make_shared<const Tensor>(std::move(big));
    app.input_name = "1920x1080 synthetic";
    mark_changed(app, Change::Input);
    settle();
    std::vector<double> busy_frames;
    double engine_total = 0;
    int recomputes = 0;
    const auto start = Clock::now();
    uint64_t shown_version = app.result ? app.result->compute_version : 0;
    while (ms_between(start, Clock::now()) < 4000) {
      if (!worker.busy()) {
        app.kernel_settings.seed += 1;
        apply_initializer(app);
        mark_changed(app, Change::Weights);
      }
      wait_for_events();
      const bool busy_before = worker.busy() || needs_job(app);
      const auto f0 = Clock::now();
      frame(false);
      present();
      glFinish();  // llvmpipe renders at the swap: count it
      const double ms = ms_between(f0, Clock::now());
      if (busy_before) busy_frames.push_back(ms);
      if (app.result && app.result->compute_version != shown_version) {
        shown_version = app.result->compute_version;
        engine_total += app.result->engine_ms;
        ++recomputes;
      }
    }
    double sum = 0;
    for (double v : busy_frames) sum += v;
    std::printf("frame time while a 1920x1080x3 image recomputes (8 filters 3x3 'same', %d recomputes, engine mean %.0f ms): "
                "mean %.1f ms, median %.1f ms, p95 %.1f ms, max %.1f ms over %zu frames (events, drawing, texture uploads, "
                "render and swap; Mesa llvmpipe)\n",
                recomputes, recomputes ? engine_total / recomputes : 0.0, busy_frames.empty() ? 0.0 : sum / double(busy_frames.size()),
                percentile(busy_frames, 0.5), percentile(busy_frames, 0.95), percentile(busy_frames, 1.0), busy_frames.size());
    // The same frames with nothing computing, for comparison.
    worker.wait_idle();
    std::vector<double> idle_frames;
    for (int i = 0; i < 30; ++i) {
      const auto f0 = Clock::now();
      frame(false);
      present();
      glFinish();
      idle_frames.push_back(ms_between(f0, Clock::now()));
    }
    std::printf("frame time with nothing computing (same 1080p maps on screen): median %.1f ms, p95 %.1f ms\n",
                percentile(idle_frames, 0.5), percentile(idle_frames, 0.95));
    std::fflush(stdout);
  } else if (screenshot) {
    const int frames = std::max(options.frames, 1);
    for (int i = 0; i < frames; ++i) {
      // The last two frames wait for the compute job, so the picture is deterministic.
      frame(i >= frames - 2);
      if (i == frames - 1) {
        int fw = 0, fh = 0;
        glfwGetFramebufferSize(window, &fw, &fh);
        try {
          save_framebuffer_png(options.screenshot_path, fw, fh);
          if (const char* regions = std::getenv("CONVSCOPE_REGIONS"); regions && *regions)
            write_regions(ui, regions, fw, fh);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "convscope: error: %s\n", e.what());
          status = 2;
        }
      }
      present();
    }
  } else {
    while (!glfwWindowShouldClose(window) && !quit) {
      wait_for_events();
      frame(false);
      present();
      int ww = 0, wh = 0;
      glfwGetWindowSize(window, &ww, &wh);
      if (ww != app.view.window_w || wh != app.view.window_h) {
        app.view.window_w = ww;
        app.view.window_h = wh;
        app.autosave_dirty = true;
      }
      if (app.autosave_dirty && ms_between(last_autosave, Clock::now()) > 2000 && !autosave_path().empty()) {
        try {
          std::filesystem::create_directories(config_dir());
          save_session(app, autosave_path());
        } catch (const std::exception&) {
        }
        app.autosave_dirty = false;
        last_autosave = Clock::now();
      }
    }
    if (!autosave_path().empty()) {
      try {
        std::filesystem::create_directories(config_dir());
        save_session(app, autosave_path());
      } catch (const std::exception&) {
      }
    }
  }

  // Shutdown in reverse.
  worker_owner.reset();  // cancels a running job and joins the thread
  images_owner.reset();
  ui = Ui{};             // GL textures go before the context
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return status;
}

}  // namespace convscope
