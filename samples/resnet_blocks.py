"""Residual blocks and a small ResNet in PyTorch (course week 2: ResNets).

Shows why skip connections help very deep networks: each block learns a
residual F(x) and adds the input back (`out += identity`), so a block can
easily learn the identity function. Two block types are shown:
  * BasicBlock: two 3x3 convs (used by ResNet-18/34), expansion = 1.
  * Bottleneck: 1x1 reduce -> 3x3 -> 1x1 expand (used by ResNet-50+),
    expansion = 4.
When the stride is not 1 or the channel count changes, the shortcut is a
projection (1x1 conv + BatchNorm) so the shapes match for the addition.
`ResNet` stacks blocks with `_make_layer`; ResNet18Like uses [2, 2, 2, 2].

Verified with PyTorch: input (1, 3, 224, 224) -> output (1, 1000);
ResNet18Like has 11,689,512 parameters
(resnet50_like(), Bottleneck with [3, 4, 6, 3], has 25,557,032).
"""
import torch
from torch import nn


def conv3x3(in_ch: int, out_ch: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_ch, out_ch, kernel_size=3, stride=stride, padding=1, bias=False)


def projection(in_ch: int, out_ch: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, kernel_size=1, stride=stride, bias=False),
        nn.BatchNorm2d(out_ch),
    )


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_ch: int, planes: int, stride: int = 1):
        super().__init__()
        out_ch = planes * self.expansion
        self.conv1 = conv3x3(in_ch, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, out_ch)
        self.bn2 = nn.BatchNorm2d(out_ch)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = None
        if stride != 1 or in_ch != out_ch:
            self.shortcut = projection(in_ch, out_ch, stride)

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.shortcut is not None:
            identity = self.shortcut(x)
        out += identity
        return self.relu(out)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_ch: int, planes: int, stride: int = 1):
        super().__init__()
        out_ch = planes * self.expansion
        self.conv1 = nn.Conv2d(in_ch, planes, kernel_size=1, bias=False)   # reduce
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out_ch, kernel_size=1, bias=False)  # expand
        self.bn3 = nn.BatchNorm2d(out_ch)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = None
        if stride != 1 or in_ch != out_ch:
            self.shortcut = projection(in_ch, out_ch, stride)

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.shortcut is not None:
            identity = self.shortcut(x)
        out += identity
        return self.relu(out)


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes: int = 1000):
        super().__init__()
        self.in_ch = 64
        # Stem: 224x224 -> 112x112 (conv) -> 56x56 (max pool)
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0], stride=1)   # 56x56
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)  # 28x28
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)  # 14x14
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)  # 7x7
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

    def _make_layer(self, block, planes: int, num_blocks: int, stride: int) -> nn.Sequential:
        blocks = []
        for i in range(num_blocks):
            blocks.append(block(self.in_ch, planes, stride if i == 0 else 1))
            self.in_ch = planes * block.expansion
        return nn.Sequential(*blocks)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


# cnn-lens: input=(1, 3, 224, 224)
class ResNet18Like(ResNet):
    def __init__(self, num_classes: int = 1000):
        super().__init__(BasicBlock, [2, 2, 2, 2], num_classes)


def resnet50_like(num_classes: int = 1000) -> ResNet:
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes)
