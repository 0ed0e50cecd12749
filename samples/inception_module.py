"""Inception module and a tiny Inception network in PyTorch
(course week 2: 1x1 convolutions, "network in network", Inception).

Instead of choosing one filter size, an Inception module runs several
branches in parallel and concatenates them along the channel axis with
`torch.cat([...], 1)`. All branches keep height and width ("same" padding).
1x1 "bottleneck" convolutions shrink the channel count before the costly
3x3 and 5x5 convolutions, and project the max-pool branch.
The settings match GoogLeNet's inception(3a) and inception(3b):
192 -> 64 + 128 + 32 + 32 = 256 channels -> 128 + 192 + 96 + 64 = 480.

Verified with PyTorch: input (1, 192, 28, 28) -> inception3a (1, 256, 28, 28)
-> inception3b (1, 480, 28, 28) -> output (1, 10); 557,242 parameters
(inception3a alone: 163,696; inception3b alone: 388,736).
"""
import torch
from torch import nn


class ConvReLU(nn.Sequential):
    def __init__(self, in_ch: int, out_ch: int, kernel_size: int):
        super().__init__(
            nn.Conv2d(in_ch, out_ch, kernel_size, padding=kernel_size // 2),
            nn.ReLU(inplace=True),
        )


class InceptionModule(nn.Module):
    def __init__(self, in_ch, ch1x1, ch3x3_reduce, ch3x3, ch5x5_reduce, ch5x5, pool_proj):
        super().__init__()
        self.branch1 = ConvReLU(in_ch, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(
            ConvReLU(in_ch, ch3x3_reduce, kernel_size=1),
            ConvReLU(ch3x3_reduce, ch3x3, kernel_size=3),
        )
        self.branch3 = nn.Sequential(
            ConvReLU(in_ch, ch5x5_reduce, kernel_size=1),
            ConvReLU(ch5x5_reduce, ch5x5, kernel_size=5),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
            ConvReLU(in_ch, pool_proj, kernel_size=1),
        )

    def forward(self, x):
        branches = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]
        return torch.cat(branches, 1)


# cnn-lens: input=(1, 192, 28, 28)
class TinyInceptionNet(nn.Module):
    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.inception3a = InceptionModule(192, 64, 96, 128, 16, 32, 32)   # -> 256
        self.inception3b = InceptionModule(256, 128, 128, 192, 32, 96, 64)  # -> 480
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=0.4)
        self.fc = nn.Linear(480, num_classes)

    def forward(self, x):
        x = self.inception3a(x)          # (N, 256, 28, 28)
        x = self.inception3b(x)          # (N, 480, 28, 28)
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(self.dropout(x))
