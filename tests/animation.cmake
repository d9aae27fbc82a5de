# Screenshot tests of the step-by-step canvas (issue 4) under Xvfb: the app opens a preset at a
# fixed step (a session file), saves the window, and writes the canvas geometry
# (CONVSCOPE_ANIMATION_REGIONS); convscope_anim_shot_check then looks at the cells that must (and
# must not) be highlighted. Skipped when there is no xvfb-run or no GUI.
find_program(XVFB_RUN xvfb-run)
if(XVFB_RUN AND TARGET convscope_gui)
  add_executable(convscope_anim_shot_check ${CMAKE_CURRENT_SOURCE_DIR}/animation_shot_check.cc)
  target_link_libraries(convscope_anim_shot_check PRIVATE convscope_engine nlohmann_json::nlohmann_json)
  set(ANIM_SHOT_DIR ${CMAKE_CURRENT_BINARY_DIR}/animation_shots)
  file(MAKE_DIRECTORY ${ANIM_SHOT_DIR})

  # anim_shot(NAME SESSION_JSON CHECK...)
  function(anim_shot name session)
    file(WRITE ${ANIM_SHOT_DIR}/${name}_session.json "${session}")
    add_test(NAME animation_shot_${name}
             COMMAND ${CMAKE_COMMAND} -E env CONVSCOPE_ANIMATION_REGIONS=${ANIM_SHOT_DIR}/${name}_regions.json
                     ASAN_OPTIONS=detect_leaks=0
                     ${XVFB_RUN} -a -s "-screen 0 1280x800x24"
                     $<TARGET_FILE:convscope> --screenshot ${ANIM_SHOT_DIR}/${name}.png --frames 5 --size 1280x800
                     --session ${ANIM_SHOT_DIR}/${name}_session.json)
    set_tests_properties(animation_shot_${name} PROPERTIES FIXTURES_SETUP anim_shot_${name} TIMEOUT 120)
    add_test(NAME animation_shot_${name}_check
             COMMAND convscope_anim_shot_check ${ANIM_SHOT_DIR}/${name}.png ${ANIM_SHOT_DIR}/${name}_regions.json ${ARGN})
    set_tests_properties(animation_shot_${name}_check PROPERTIES FIXTURES_REQUIRED anim_shot_${name})
  endfunction()

  # TensorFlow 'same' with stride 2 on 6x6: no padding before, one row/column after. At output
  # (1, 1), pinned: its receptive field is input rows/columns 2..4.
  anim_shot(tf_same_stride2
    [[{"view": {"tab": "steps"}, "animation": {"preset": "tf_same_stride2", "granularity": "position", "step": 4, "pin": {"output": [1, 1]}}}]]
    input.first_y=0 input.first_x=0 input.rows=7 input.cols=7 output.rows=3
    input:2,2:has:highlight input:4,4:has:highlight input:2,4:has:highlight
    input:1,1:not:highlight input:5,5:not:highlight input:1,3:not:highlight
    output:1,1:has:current output:1,1:has:highlight output:0,0:not:highlight)

  # The guide's direct picture of a transposed convolution: zeros inserted between the 3x3 values
  # (pale yellow), one ring of padding, the flipped kernel (its last weight first) at output (1, 1).
  anim_shot(padding_strides_transposed
    [[{"view": {"tab": "steps"}, "animation": {"preset": "padding_strides_transposed", "view": "direct", "granularity": "position", "step": 6}}]]
    input.first_y=-1 input.rows=7 output.rows=5
    input:1,4:tint:yellow input:0,4:tint:blue input:1,0:tint:red
    output:1,1:has:current output:0,0:not:current)

  # Dilation 2: the window's holes stay open; the pinned weight (0, 0) multiplies rows/cols 0..2.
  anim_shot(dilation
    [[{"view": {"tab": "steps"}, "animation": {"preset": "dilation", "granularity": "position", "step": 0, "pin": {"weight": [0, 0]}}}]]
    input.rows=7 output.rows=3
    input:0,0:tint:red input:0,3:tint:blue input:0,3:not:highlight
    input:2,2:has:highlight input:3,3:not:highlight kernel:0,0:has:highlight)

  # Scatter view: input value (0, 2) is being stamped onto the full (uncropped) 7x7 result.
  anim_shot(scatter
    [[{"view": {"tab": "steps"}, "animation": {"preset": "padding_strides_transposed", "view": "scatter", "granularity": "position", "step": 2}}]]
    output.first_y=-1 output.rows=7 input.rows=3
    input:0,2:has:current input:1,1:not:current)
endif()
