#!/usr/bin/python3
"""One-off developer step: convert Silent-Face-Anti-Spoofing's two PyTorch anti-spoof networks to ONNX.

The product never runs this: the ONNX files it writes are committed under models/ (see MODELS.md). It needs Debian's
python3-torch and python3-onnx (`apt-get install -y python3-torch python3-onnx`) and the weights in
../shared/models/silent-face (minivision-ai/Silent-Face-Anti-Spoofing, resources/anti_spoof_models, Apache-2.0).

    /usr/bin/python3 scripts/convert-silent-face.py [--weights DIR] [--out models]
    /usr/bin/python3 scripts/convert-silent-face.py --reference DIR   # PyTorch logits for DIR/*.f32 (verification)

The network is MiniFASNet as described by Silent-Face (src/model_lib/MiniFASNet.py there): a pruned MobileFaceNet
whose channel counts come from the "keep" lists below, 80x80 BGR input with raw 0..255 values, a 5x5 global depthwise
head, a 128-d embedding and 3 classes (index 1 = live face). The module names follow the checkpoint's keys so that
the state dict loads strictly; any mismatch fails the conversion.
"""
import argparse
import glob
import json
import os
import sys

import torch
from torch import nn

# Channel counts after pruning, in layer order (Silent-Face's keep_dict): '1.8M' for V1/V1SE, '1.8M_' for V2.
KEEP_V1 = [32, 32, 103, 103, 64, 13, 13, 64, 26, 26, 64, 13, 13, 64, 52, 52, 64, 231, 231, 128,
           154, 154, 128, 52, 52, 128, 26, 26, 128, 52, 52, 128, 26, 26, 128, 26, 26, 128, 308, 308,
           128, 26, 26, 128, 26, 26, 128, 512, 512]
KEEP_V2 = [32, 32, 103, 103, 64, 13, 13, 64, 13, 13, 64, 13, 13, 64, 13, 13, 64, 231, 231, 128,
           231, 231, 128, 52, 52, 128, 26, 26, 128, 77, 77, 128, 26, 26, 128, 26, 26, 128, 308, 308,
           128, 26, 26, 128, 26, 26, 128, 512, 512]

MODELS = {
    # file in --weights: (output name, keep list, squeeze-excitation in the last block of each stage)
    '2.7_80x80_MiniFASNetV2.pth': ('silent-face-v2-2.7.onnx', KEEP_V2, False),
    '4_0_0_80x80_MiniFASNetV1SE.pth': ('silent-face-v1se-4.0.onnx', KEEP_V1, True),
}
INPUT = 80
HEAD_KERNEL = (INPUT + 15) // 16  # Silent-Face's get_kernel: 5x5 for 80x80


class ConvBn(nn.Module):
    """Convolution without bias, batch norm, and a per-channel PReLU unless `linear`."""

    def __init__(self, cin, cout, kernel=1, stride=1, padding=0, groups=1, linear=False):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, padding, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        if not linear:
            self.prelu = nn.PReLU(cout)

    def forward(self, x):
        x = self.bn(self.conv(x))
        return self.prelu(x) if hasattr(self, 'prelu') else x


class SqueezeExcite(nn.Module):
    def __init__(self, channels, reduction=4):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, channels // reduction, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels // reduction)
        self.relu = nn.ReLU()
        self.fc2 = nn.Conv2d(channels // reduction, channels, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        w = self.relu(self.bn1(self.fc1(self.avg_pool(x))))
        return x * torch.sigmoid(self.bn2(self.fc2(w)))


class Bottleneck(nn.Module):
    """1x1 expansion, 3x3 depthwise (stride 1 with a shortcut, or stride 2 between stages), linear 1x1 projection."""

    def __init__(self, cin, expand, cout, residual, se=False):
        super().__init__()
        self.conv = ConvBn(cin, expand)
        self.conv_dw = ConvBn(expand, expand, 3, 1 if residual else 2, 1, groups=expand)
        self.project = ConvBn(expand, cout, linear=True)
        self.residual = residual
        if se:
            self.se_module = SqueezeExcite(cout)

    def forward(self, x):
        y = self.project(self.conv_dw(self.conv(x)))
        if not self.residual:
            return y
        if hasattr(self, 'se_module'):
            y = self.se_module(y)
        return x + y


class Stage(nn.Module):
    def __init__(self, blocks):
        super().__init__()
        self.model = nn.Sequential(*blocks)

    def forward(self, x):
        return self.model(x)


class MiniFASNet(nn.Module):
    def __init__(self, keep, se, embedding=128, classes=3):
        super().__init__()
        k = keep
        self.conv1 = ConvBn(3, k[0], 3, 2, 1)
        self.conv2_dw = ConvBn(k[0], k[1], 3, 1, 1, groups=k[1])
        self.conv_23 = Bottleneck(k[1], k[2], k[4], residual=False)

        def stage(first, count):
            # Block i reads k[first + 3i], expands to k[first + 3i + 1] (= + 2) and projects back to k[first + 3i + 3].
            blocks = []
            for i in range(count):
                j = first + 3 * i
                blocks.append(Bottleneck(k[j], k[j + 1], k[j + 3], residual=True, se=se and i == count - 1))
            return Stage(blocks)

        self.conv_3 = stage(4, 4)
        self.conv_34 = Bottleneck(k[16], k[17], k[19], residual=False)
        self.conv_4 = stage(19, 6)
        self.conv_45 = Bottleneck(k[37], k[38], k[40], residual=False)
        self.conv_5 = stage(40, 2)
        self.conv_6_sep = ConvBn(k[46], k[47])
        self.conv_6_dw = ConvBn(k[47], k[48], HEAD_KERNEL, groups=k[48], linear=True)
        self.linear = nn.Linear(512, embedding, bias=False)
        self.bn = nn.BatchNorm1d(embedding)
        self.prob = nn.Linear(embedding, classes, bias=False)

    def forward(self, x):
        for layer in (self.conv1, self.conv2_dw, self.conv_23, self.conv_3, self.conv_34, self.conv_4, self.conv_45,
                      self.conv_5, self.conv_6_sep, self.conv_6_dw):
            x = layer(x)
        x = self.linear(torch.flatten(x, 1))
        return self.prob(self.bn(x))  # dropout sits here in training only


def load(path, keep, se):
    net = MiniFASNet(keep, se)
    state = torch.load(path, map_location='cpu')
    state = {(k[len('module.'):] if k.startswith('module.') else k): v for k, v in state.items()}
    net.load_state_dict(state, strict=True)
    return net.eval()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--weights', default=os.path.join(here, '..', '..', 'shared', 'models', 'silent-face'))
    p.add_argument('--out', default=os.path.join(here, '..', 'models'))
    p.add_argument('--reference', help='write PyTorch logits for every DIR/<model>/*.f32 input to DIR/<model>/*.json')
    a = p.parse_args()
    torch.set_grad_enabled(False)
    for weights, (onnx_name, keep, se) in MODELS.items():
        net = load(os.path.join(a.weights, weights), keep, se)
        stem = onnx_name[:-len('.onnx')]
        if a.reference:
            for f in sorted(glob.glob(os.path.join(a.reference, stem, '*.f32'))):
                with open(f, 'rb') as fh:
                    x = torch.frombuffer(bytearray(fh.read()), dtype=torch.float32).reshape(1, 3, INPUT, INPUT)
                with open(f[:-4] + '.json', 'w') as fh:
                    json.dump(net(x)[0].tolist(), fh)
            continue
        out = os.path.join(a.out, onnx_name)
        torch.onnx.export(net, torch.zeros(1, 3, INPUT, INPUT), out, input_names=['input'], output_names=['logits'],
                          opset_version=11, do_constant_folding=True)
        import onnx
        onnx.checker.check_model(onnx.load(out))
        print(f'{weights} -> {out} ({os.path.getsize(out)} bytes)', file=sys.stderr)


if __name__ == '__main__':
    main()
