# Screenshot tests of the real app under Xvfb with Mesa's software OpenGL (Debian: xvfb, xauth,
# libgl1-mesa-dri). Skipped when xvfb-run is missing or the GUI is not built.
find_program(XVFB_RUN xvfb-run)
if(TARGET convscope_gui AND XVFB_RUN)
  add_executable(gui_screenshot_check ${CMAKE_CURRENT_SOURCE_DIR}/gui_screenshot_check.cc)
  target_link_libraries(gui_screenshot_check PRIVATE PkgConfig::STB nlohmann_json::nlohmann_json)
  add_dependencies(convscope_tests gui_screenshot_check)

  set(GUI_SHOTS ${CMAKE_CURRENT_BINARY_DIR}/gui_shots)
  file(MAKE_DIRECTORY ${GUI_SHOTS})
  set(XVFB ${XVFB_RUN} -a -s "-screen 0 1280x800x24")

  # name, session ("" = defaults); each writes NAME.png and NAME.regions.json.
  function(convscope_gui_shot name session)
    set(args --screenshot ${GUI_SHOTS}/${name}.png --frames 4 --size 1280x800)
    if(session)
      list(APPEND args --session ${session})
    endif()
    add_test(NAME gui_shot_${name} COMMAND ${XVFB} $<TARGET_FILE:convscope> ${args})
    set_tests_properties(gui_shot_${name} PROPERTIES
      FIXTURES_SETUP gui_${name}
      ENVIRONMENT "CONVSCOPE_REGIONS=${GUI_SHOTS}/${name}.regions.json;ASAN_OPTIONS=detect_leaks=0;XDG_CONFIG_HOME=${GUI_SHOTS}/config"
      TIMEOUT 120)
  endfunction()

  convscope_gui_shot(default "")
  convscope_gui_shot(identity ${CMAKE_CURRENT_SOURCE_DIR}/gui_identity.json)
  convscope_gui_shot(sobel ${CMAKE_CURRENT_SOURCE_DIR}/gui_sobel.json)

  # The default window: right size, not blank.
  add_test(NAME gui_check_default COMMAND gui_screenshot_check ${GUI_SHOTS}/default.png --size 1280x800)
  set_tests_properties(gui_check_default PROPERTIES FIXTURES_REQUIRED gui_default)
  # Identity kernel on an 8x8 ramp grid: the output (right) shows exactly the input (left), a ramp.
  add_test(NAME gui_check_identity COMMAND gui_screenshot_check ${GUI_SHOTS}/identity.png --size 1280x800
           --regions ${GUI_SHOTS}/identity.regions.json --same compare_input compare_output --ramp compare_output)
  set_tests_properties(gui_check_identity PROPERTIES FIXTURES_REQUIRED gui_identity)
  # The checker can fail: a Sobel kernel does not reproduce the input.
  add_test(NAME gui_check_sobel_differs COMMAND gui_screenshot_check ${GUI_SHOTS}/sobel.png --size 1280x800
           --regions ${GUI_SHOTS}/sobel.regions.json --same compare_input compare_output)
  set_tests_properties(gui_check_sobel_differs PROPERTIES FIXTURES_REQUIRED gui_sobel WILL_FAIL TRUE)
  # Hostile input: a corrupt setup file and a corrupt image. The app still opens (on its
  # defaults), renders, and shows the error in red in the status bar.
  add_test(NAME gui_shot_bad_input
           COMMAND ${XVFB} $<TARGET_FILE:convscope> ${CMAKE_CURRENT_SOURCE_DIR}/data/corrupt.png
                   --session ${CMAKE_CURRENT_SOURCE_DIR}/data/corrupt_setup.json
                   --screenshot ${GUI_SHOTS}/bad_input.png --frames 4 --size 1280x800)
  set_tests_properties(gui_shot_bad_input PROPERTIES FIXTURES_SETUP gui_bad_input TIMEOUT 120
    ENVIRONMENT "CONVSCOPE_REGIONS=${GUI_SHOTS}/bad_input.regions.json;ASAN_OPTIONS=detect_leaks=0;XDG_CONFIG_HOME=${GUI_SHOTS}/config")
  add_test(NAME gui_check_bad_input COMMAND gui_screenshot_check ${GUI_SHOTS}/bad_input.png --size 1280x800
           --regions ${GUI_SHOTS}/bad_input.regions.json --has-colour error 255,115,102)
  set_tests_properties(gui_check_bad_input PROPERTIES FIXTURES_REQUIRED gui_bad_input)
endif()
