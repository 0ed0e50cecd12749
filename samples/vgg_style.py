"""VGG-style network in PyTorch (course week 2: classic networks, VGG-16).

Shows the VGG idea: a very uniform design of 3x3 "same" convolutions
(stride 1, padding 1) and 2x2 max pools with stride 2. Each pool halves
height and width while the channel count doubles (64 -> 128 -> 256). The
convolution stack is generated from a config list by `make_layers(cfg)`.
This is a shortened VGG (three stages instead of five, 512-unit classifier
instead of 4096) so that it stays small.

Verified with PyTorch: input (1, 3, 224, 224) -> features (1, 256, 28, 28)
-> output (1, 1000), 8,934,184 parameters.
"""
import torch
from torch import nn

# Numbers are output channels of a 3x3 conv + ReLU; "M" is a 2x2 max pool.
VGG_SMALL_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M"]


def make_layers(cfg, in_channels: int = 3, batch_norm: bool = False) -> nn.Sequential:
    layers = []
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(v))
            layers.append(nn.ReLU(inplace=True))
            in_channels = v
    return nn.Sequential(*layers)


# cnn-lens: input=(1, 3, 224, 224)
class VGGStyle(nn.Module):
    def __init__(self, cfg=VGG_SMALL_CFG, num_classes: int = 1000):
        super().__init__()
        self.features = make_layers(cfg)                 # (N, 256, 28, 28)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))      # (N, 256, 7, 7)
        self.classifier = nn.Sequential(
            nn.Linear(256 * 7 * 7, 512),
            nn.ReLU(inplace=True),
            nn.Dropout(p=0.5),
            nn.Linear(512, 512),
            nn.ReLU(inplace=True),
            nn.Dropout(p=0.5),
            nn.Linear(512, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)                          # (N, 12544)
        return self.classifier(x)
