"""A small EfficientNet-style network in PyTorch
(course week 2: MobileNet ideas, plus squeeze-and-excitation and
EfficientNet's compound scaling).

EfficientNet builds on MobileNetV2's inverted residual and calls it an
MBConv block:
  expand    1x1 conv, channels x t, BatchNorm + SiLU (skipped when t == 1)
  depthwise kxk conv (k = 3 or 5), groups = hidden channels, with the
            block's stride, BatchNorm + SiLU
  SE        squeeze-and-excitation: global average pool to 1x1, a 1x1 conv
            that reduces the channels, SiLU, a 1x1 conv back up, Sigmoid;
            the result is one weight in (0, 1) per channel and the feature
            map is rescaled with `x * scale` (channel attention)
  project   1x1 conv back down, BatchNorm, no activation (linear bottleneck)
with a residual connection when stride == 1 and input channels == output.
SiLU (x * sigmoid(x), also called Swish) replaces ReLU6.

The blocks come from a settings table
[[expand, kernel, stride, in, out, repeats], ...], like EfficientNet-B0's
but with fewer stages and repeats. EfficientNet scales such a baseline up
in depth, width and resolution together (compound scaling); this file only
shows the baseline shape of the idea.

Verified with PyTorch: input (1, 3, 224, 224) -> features (1, 1280, 7, 7)
-> output (1, 1000), 2,122,276 parameters.
"""
import torch
from torch import nn


class ConvBNSiLU(nn.Sequential):
    def __init__(self, in_ch: int, out_ch: int, kernel_size: int = 3, stride: int = 1, groups: int = 1):
        super().__init__(
            nn.Conv2d(in_ch, out_ch, kernel_size, stride, padding=kernel_size // 2,
                      groups=groups, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.SiLU(inplace=True),
        )


class SqueezeExcitation(nn.Module):
    """Learn one weight per channel from the globally pooled features."""

    def __init__(self, channels: int, squeeze_ch: int):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)                   # squeeze: HxW -> 1x1
        self.reduce = nn.Conv2d(channels, squeeze_ch, kernel_size=1)
        self.act = nn.SiLU(inplace=True)
        self.expand = nn.Conv2d(squeeze_ch, channels, kernel_size=1)
        self.gate = nn.Sigmoid()                              # excitation: (0, 1)

    def forward(self, x):
        scale = self.pool(x)
        scale = self.act(self.reduce(scale))
        scale = self.gate(self.expand(scale))
        return x * scale                                      # broadcast over HxW


class MBConv(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, stride: int, expand_ratio: int):
        super().__init__()
        hidden = in_ch * expand_ratio
        squeeze_ch = max(1, in_ch // 4)                       # SE ratio 0.25 of the block input
        self.use_residual = stride == 1 and in_ch == out_ch
        layers = []
        if expand_ratio != 1:
            layers.append(ConvBNSiLU(in_ch, hidden, kernel_size=1))               # expand
        layers.append(ConvBNSiLU(hidden, hidden, kernel_size, stride, groups=hidden))  # depthwise
        layers.append(SqueezeExcitation(hidden, squeeze_ch))                       # SE
        layers.append(nn.Conv2d(hidden, out_ch, kernel_size=1, bias=False))       # project
        layers.append(nn.BatchNorm2d(out_ch))                                     # linear
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        if self.use_residual:
            return x + self.block(x)
        return self.block(x)


# expand: expansion ratio t, kernel: depthwise kernel size, stride: stride of
# the first repeat, in / out: channels, repeats: number of blocks in the stage
MBCONV_SETTINGS = [
    [1, 3, 1, 16, 16, 1],     # 112x112
    [6, 3, 2, 16, 24, 2],     # 56x56
    [6, 5, 2, 24, 40, 2],     # 28x28
    [6, 3, 2, 40, 80, 2],     # 14x14
    [6, 5, 1, 80, 112, 1],    # 14x14
    [6, 5, 2, 112, 192, 1],   # 7x7
]


# cnn-lens: input=(1, 3, 224, 224)
class TinyEfficientNet(nn.Module):
    def __init__(self, num_classes: int = 1000):
        super().__init__()
        features = [ConvBNSiLU(3, 16, kernel_size=3, stride=2)]          # 224 -> 112
        for expand, kernel, stride, in_ch, out_ch, repeats in MBCONV_SETTINGS:
            for i in range(repeats):
                features.append(MBConv(in_ch if i == 0 else out_ch, out_ch, kernel,
                                       stride if i == 0 else 1, expand_ratio=expand))
        features.append(ConvBNSiLU(192, 1280, kernel_size=1))               # head: 7x7x1280
        self.features = nn.Sequential(*features)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Dropout(p=0.2),
            nn.Linear(1280, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(self.pool(x), 1)
        return self.classifier(x)
