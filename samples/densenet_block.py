"""A small DenseNet in PyTorch (course week 2: very deep networks; DenseNet
takes ResNet's skip connections one step further).

Inside a dense block every layer receives the feature maps of *all* earlier
layers, concatenated along the channel axis, and adds `growth_rate` new
channels of its own:
  features = [x]
  for layer in layers: features.append(layer(torch.cat(features, 1)))
so a block with L layers turns C input channels into C + L * growth_rate.
Concatenation (not addition, as in ResNet) keeps earlier features reusable
and the gradient paths short. Each DenseLayer is a "bottleneck" layer:
  BN - ReLU - 1x1 conv (4 * growth_rate channels) - BN - ReLU - 3x3 conv
  (growth_rate channels)
using the pre-activation order (BatchNorm and ReLU before the conv).
Between dense blocks a transition layer (BN - ReLU - 1x1 conv that halves
the channels - 2x2 average pool) shrinks both channels and spatial size.
TinyDenseNet: growth rate 12, three dense blocks of 4 layers.

Verified with PyTorch: input (1, 3, 64, 64) -> features (1, 90, 4, 4)
-> output (1, 10), 105,658 parameters.
"""
import torch
from torch import nn


class DenseLayer(nn.Module):
    def __init__(self, in_ch: int, growth_rate: int, bn_size: int = 4):
        super().__init__()
        inner = bn_size * growth_rate
        self.bn1 = nn.BatchNorm2d(in_ch)
        self.conv1 = nn.Conv2d(in_ch, inner, kernel_size=1, bias=False)             # bottleneck
        self.bn2 = nn.BatchNorm2d(inner)
        self.conv2 = nn.Conv2d(inner, growth_rate, kernel_size=3, padding=1, bias=False)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.conv1(self.relu(self.bn1(x)))
        out = self.conv2(self.relu(self.bn2(out)))
        return out                                        # growth_rate new channels


class DenseBlock(nn.Module):
    def __init__(self, num_layers: int, in_ch: int, growth_rate: int):
        super().__init__()
        self.layers = nn.ModuleList(
            [DenseLayer(in_ch + i * growth_rate, growth_rate) for i in range(num_layers)]
        )

    def forward(self, x):
        features = [x]
        for layer in self.layers:
            features.append(layer(torch.cat(features, 1)))
        return torch.cat(features, 1)                     # in_ch + num_layers * growth_rate


class Transition(nn.Sequential):
    def __init__(self, in_ch: int, out_ch: int):
        super().__init__(
            nn.BatchNorm2d(in_ch),
            nn.ReLU(inplace=True),
            nn.Conv2d(in_ch, out_ch, kernel_size=1, bias=False),
            nn.AvgPool2d(kernel_size=2, stride=2),
        )


# cnn-lens: input=(1, 3, 64, 64)
class TinyDenseNet(nn.Module):
    def __init__(self, growth_rate: int = 12, block_config=(4, 4, 4), num_classes: int = 10):
        super().__init__()
        channels = 2 * growth_rate
        # Stem: 64x64 -> 32x32 (conv) -> 16x16 (max pool)
        stem = [
            nn.Conv2d(3, channels, kernel_size=7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        ]
        blocks = []
        for i, num_layers in enumerate(block_config):
            blocks.append(DenseBlock(num_layers, channels, growth_rate))
            channels += num_layers * growth_rate
            if i != len(block_config) - 1:
                blocks.append(Transition(channels, channels // 2))   # compression 0.5
                channels //= 2
        # 16x16 -> 8x8 -> 4x4; channels 24 -> 72 -> 36 -> 84 -> 42 -> 90
        self.features = nn.Sequential(*stem, *blocks,
                                      nn.BatchNorm2d(channels), nn.ReLU(inplace=True))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(self.pool(x), 1)
        return self.fc(x)
