#!/usr/bin/env python3
"""ResNet-18 for CIFAR-10 as in kuangliu/pytorch-cifar (models/resnet.py), built with torch.nn, to
cross-check cnnbench's models::ResNet18Cifar (tests/unit/residual.cpp).

Prints, one item a line:
  params <sum of p.numel() over parameters()>
  buffers <sum of numel() over the BatchNorm running statistics (running_mean, running_var)>
  param <d0>x<d1>... for each parameter, in state_dict order
  buffer <d0>x<d1>... for each running statistic, in state_dict order
(num_batches_tracked, a PyTorch bookkeeping counter that cnnbench does not keep, is left out.)
Exit status 3 when torch cannot be imported.
"""
import sys

try:
    import torch.nn as nn
except ImportError as e:  # reported as "skipped" by the caller
    print(f"no torch: {e}")
    sys.exit(3)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = nn.functional.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return nn.functional.relu(out + self.shortcut(x))


class ResNet18(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.in_planes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.layer1 = self._make_layer(64, 2, 1)
        self.layer2 = self._make_layer(128, 2, 2)
        self.layer3 = self._make_layer(256, 2, 2)
        self.layer4 = self._make_layer(512, 2, 2)
        self.linear = nn.Linear(512, num_classes)

    def _make_layer(self, planes, blocks, stride):
        layers = []
        for s in [stride] + [1] * (blocks - 1):
            layers.append(BasicBlock(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        out = nn.functional.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = nn.functional.adaptive_avg_pool2d(out, 1).flatten(1)
        return self.linear(out)


def main():
    model = ResNet18()
    params = dict(model.named_parameters())
    dims = lambda t: "x".join(str(d) for d in t.shape)
    lines = [f"params {sum(p.numel() for p in model.parameters())}"]
    running = [(k, t) for k, t in model.state_dict().items() if k.endswith(("running_mean", "running_var"))]
    lines.append(f"buffers {sum(t.numel() for _, t in running)}")
    for k, t in model.state_dict().items():
        if k in params:
            lines.append(f"param {dims(t)}")
        elif k.endswith(("running_mean", "running_var")):
            lines.append(f"buffer {dims(t)}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
