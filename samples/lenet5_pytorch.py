"""LeNet-5 in PyTorch (course week 1: the classic CNN pattern).

Shows the "conv -> pool -> conv -> pool -> fully connected" pattern from
LeCun et al. (1998), in its classic form with Tanh activations and average
pooling (modern variants use ReLU + max pooling instead). Height and width
shrink (32 -> 28 -> 14 -> 10 -> 5) while channels grow (1 -> 6 -> 16).

Verified with PyTorch: input (1, 1, 32, 32) -> output (1, 10),
61,706 parameters.
"""
import torch
from torch import nn


# cnn-lens: input=(1, 1, 32, 32)
class LeNet5(nn.Module):
    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5)    # 32x32 -> 28x28
        self.pool1 = nn.AvgPool2d(kernel_size=2, stride=2)  # -> 14x14
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)   # 14x14 -> 10x10
        self.pool2 = nn.AvgPool2d(kernel_size=2, stride=2)  # -> 5x5
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)
        self.act = nn.Tanh()

    def forward(self, x):
        x = self.pool1(self.act(self.conv1(x)))
        x = self.pool2(self.act(self.conv2(x)))
        x = torch.flatten(x, 1)                        # (N, 400)
        x = self.act(self.fc1(x))
        x = self.act(self.fc2(x))
        return self.fc3(x)
