// What the user asked for: one Keras Conv2D / Conv2DTranspose layer, plus what we accept beyond
// Keras (explicit per-side and 'full' padding, groups on transposed layers, stride and dilation
// together, image border modes). The plan made for a concrete input shape lives in shape.h.
#pragma once
#include <string>
#include <vector>

namespace convscope {

enum class PaddingKind { Valid, Same, Full, Explicit };
enum class DataFormat { ChannelsLast, ChannelsFirst };
// Where values outside the image come from. Keras's padding is always Zero; the rest are named as
// numpy.pad names them: Reflect = d c b|a b c d|c b a, Symmetric = c b a|a b c d|d c b,
// Replicate = a a a|a b c d|d d d (numpy 'edge'), Wrap = b c d|a b c d|a b c, Constant = v v v|...
enum class BorderMode { Zero, Reflect, Symmetric, Replicate, Wrap, Constant };
enum class Activation {
  Linear, Relu, Sigmoid, Tanh, Softplus, Softsign, Elu, Selu, Gelu, Swish, HardSigmoid,
  Exponential, LeakyRelu
};

struct Padding {
  PaddingKind kind = PaddingKind::Valid;
  // Used only when kind == Explicit. For a transposed layer these crop the full result, as
  // PyTorch's conv_transpose2d `padding` does.
  int top = 0, bottom = 0, left = 0, right = 0;
};

struct Layer {
  bool transpose = false;  // Conv2DTranspose when true
  int filters = 1;
  int kernel_h = 3, kernel_w = 3;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  Padding padding;
  // Conv2DTranspose output_padding; -1 means None (Keras's default).
  int output_padding_h = -1, output_padding_w = -1;
  int groups = 1;
  bool use_bias = true;
  Activation activation = Activation::Linear;
  DataFormat data_format = DataFormat::ChannelsLast;
  BorderMode border = BorderMode::Zero;  // forward conv only; transposed pads with zeros
  float border_value = 0.0f;             // for BorderMode::Constant
};

// Names as Keras / numpy spell them, used by the CLI, JSON files and the GUI.
const char* to_string(PaddingKind);
const char* to_string(DataFormat);
const char* to_string(BorderMode);
const char* to_string(Activation);
const std::vector<Activation>& all_activations();
const std::vector<BorderMode>& all_border_modes();

// Parsers throw UserError naming the bad text and the accepted names.
PaddingKind parse_padding_kind(const std::string&);
DataFormat parse_data_format(const std::string&);
Activation parse_activation(const std::string&);  // also accepts "silu" for swish, "None"
// "zero", "reflect", "symmetric", "replicate" (or "edge"), "wrap" (or "circular"), "constant:V"
void parse_border(const std::string&, BorderMode* mode, float* value);

}  // namespace convscope
