"""MobileNetV2 inverted residual block and network in PyTorch
(course week 2: MobileNet, depthwise-separable convolutions).

A depthwise-separable convolution splits a normal convolution into a
depthwise 3x3 conv (one filter per channel, `groups=channels`) and a
pointwise 1x1 conv, which costs far fewer multiplications. MobileNetV2
wraps it in an "inverted residual" block:
  expand   1x1 conv, channels x t, BatchNorm + ReLU6
  depthwise 3x3 conv, groups = hidden channels, BatchNorm + ReLU6
  project  1x1 conv back down, BatchNorm, no activation (linear bottleneck)
with a residual connection when stride == 1 and input channels == output.
The network is generated from the settings table [[t, c, n, s], ...].

Verified with PyTorch: input (1, 3, 224, 224) -> features (1, 1280, 7, 7)
-> output (1, 1000), 3,504,872 parameters (width_mult=1.0).
"""
import torch
from torch import nn


def _make_divisible(value: float, divisor: int = 8) -> int:
    """Round a channel count to a multiple of `divisor`, never going below 90%."""
    new_value = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if new_value < 0.9 * value:
        new_value += divisor
    return new_value


class ConvBNReLU6(nn.Sequential):
    def __init__(self, in_ch: int, out_ch: int, kernel_size: int = 3, stride: int = 1, groups: int = 1):
        super().__init__(
            nn.Conv2d(in_ch, out_ch, kernel_size, stride, padding=kernel_size // 2,
                      groups=groups, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU6(inplace=True),
        )


class InvertedResidual(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, stride: int, expand_ratio: int):
        super().__init__()
        hidden = int(round(in_ch * expand_ratio))
        self.use_residual = stride == 1 and in_ch == out_ch
        layers = []
        if expand_ratio != 1:
            layers.append(ConvBNReLU6(in_ch, hidden, kernel_size=1))            # expand
        layers.append(ConvBNReLU6(hidden, hidden, stride=stride, groups=hidden))  # depthwise
        layers.append(nn.Conv2d(hidden, out_ch, kernel_size=1, bias=False))      # project
        layers.append(nn.BatchNorm2d(out_ch))                                    # linear
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        if self.use_residual:
            return x + self.block(x)
        return self.block(x)


# t: expansion factor, c: output channels, n: repeats, s: stride of first repeat
INVERTED_RESIDUAL_SETTINGS = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
]


# cnn-lens: input=(1, 3, 224, 224)
class MobileNetV2(nn.Module):
    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0):
        super().__init__()
        in_ch = _make_divisible(32 * width_mult)
        self.last_channel = _make_divisible(1280 * max(1.0, width_mult))
        features = [ConvBNReLU6(3, in_ch, stride=2)]                 # 224 -> 112
        for t, c, n, s in INVERTED_RESIDUAL_SETTINGS:
            out_ch = _make_divisible(c * width_mult)
            for i in range(n):
                stride = s if i == 0 else 1
                features.append(InvertedResidual(in_ch, out_ch, stride, expand_ratio=t))
                in_ch = out_ch
        features.append(ConvBNReLU6(in_ch, self.last_channel, kernel_size=1))  # 7x7x1280
        self.features = nn.Sequential(*features)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Sequential(
            nn.Dropout(p=0.2),
            nn.Linear(self.last_channel, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(self.pool(x), 1)
        return self.classifier(x)
