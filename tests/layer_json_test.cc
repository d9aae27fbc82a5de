// The layer's JSON spelling (setup files, `animate --session`) round-trips every field and
// refuses wrong types with the key's name.
#include <doctest/doctest.h>

#include "engine/error.h"
#include "engine/layer_json.h"

using namespace convscope;

TEST_CASE("layer json: every field survives a round trip") {
  Layer l;
  l.transpose = true;
  l.filters = 6;
  l.kernel_h = 4;
  l.kernel_w = 2;
  l.stride_h = 2;
  l.stride_w = 3;
  l.dilation_h = 2;
  l.padding = Padding{PaddingKind::Explicit, 1, 2, 3, 4};
  l.output_padding_h = 1;
  l.output_padding_w = 0;
  l.groups = 2;
  l.use_bias = false;
  l.activation = Activation::Gelu;
  l.data_format = DataFormat::ChannelsFirst;
  const Layer r = layer_from_json(layer_to_json(l));
  CHECK(layer_to_json(r) == layer_to_json(l));
  CHECK(r.padding.kind == PaddingKind::Explicit);
  CHECK(r.padding.right == 4);
  CHECK(r.output_padding_h == 1);
  CHECK(r.activation == Activation::Gelu);
  Layer b;
  b.border = BorderMode::Constant;
  b.border_value = 0.25f;
  CHECK(layer_from_json(layer_to_json(b)).border_value == 0.25f);
}

TEST_CASE("layer json: missing keys keep defaults, single numbers mean both axes") {
  const Layer l = layer_from_json(nlohmann::json{{"kernel_size", 5}, {"strides", 2}});
  CHECK(l.kernel_h == 5);
  CHECK(l.kernel_w == 5);
  CHECK(l.stride_w == 2);
  CHECK(l.filters == 1);
  CHECK(!l.transpose);
}

TEST_CASE("layer json: wrong types and unknown names are UserErrors naming the key") {
  CHECK_THROWS_WITH_AS(layer_from_json(nlohmann::json{{"filters", "eight"}}), doctest::Contains("\"filters\""), UserError);
  CHECK_THROWS_WITH_AS(layer_from_json(nlohmann::json{{"strides", {1, 2, 3}}}), doctest::Contains("\"strides\""), UserError);
  CHECK_THROWS_WITH_AS(layer_from_json(nlohmann::json{{"type", "Dense"}}), doctest::Contains("Dense"), UserError);
  CHECK_THROWS_WITH_AS(layer_from_json(nlohmann::json{{"padding", "causal"}}), doctest::Contains("causal"), UserError);
  CHECK_THROWS_WITH_AS(layer_from_json(nlohmann::json{{"explicit_padding", {1, 2}}}), doctest::Contains("explicit_padding"),
                       UserError);
  CHECK_THROWS_AS(layer_from_json(nlohmann::json::array()), UserError);
}
