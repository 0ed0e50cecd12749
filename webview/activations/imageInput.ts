/**
 * Turns an image (a bundled sample, a workspace file the host sent as a data URL, or a file
 * dropped on the panel) into the model's input tensor: centre-cropped to the input's aspect
 * ratio, resized to its H×W, reduced to one channel (luminance) or kept as RGB, and scaled by the
 * preprocessing the user chose (0–1, ImageNet mean/std, −1–1). The cropped, resized picture is
 * also drawn on a canvas, so the user sees exactly what the network sees.
 */
import * as tf from '@tensorflow/tfjs-core';

export type Preprocessing = 'unit' | 'imagenet' | 'symmetric';

export const preprocessingLabels: Record<Preprocessing, string> = {
  unit: '0–1 (pixel / 255)',
  imagenet: 'ImageNet mean/std',
  symmetric: '−1–1 (pixel / 127.5 − 1)',
};

const imagenetMean = [0.485, 0.456, 0.406];
const imagenetStd = [0.229, 0.224, 0.225];

export async function decodeImage(source: string | Blob): Promise<ImageBitmap> {
  const blob = typeof source === 'string' ? await (await fetch(source)).blob() : source;
  return createImageBitmap(blob);
}

/**
 * The input tensor [1, H, W, C] (NHWC, as tfjs computes) and the picture it came from, drawn on
 * `preview` at the model's resolution.
 */
export function imageTensor(image: ImageBitmap, size: { h: number; w: number; c: number }, preprocessing: Preprocessing, preview: HTMLCanvasElement): tf.Tensor4D {
  // Centre crop to the input's aspect ratio, then resize (the browser's smoothing, like PIL's).
  const aspect = size.w / size.h;
  const [sw, sh] = image.width / image.height > aspect ? [image.height * aspect, image.height] : [image.width, image.width / aspect];
  preview.width = size.w;
  preview.height = size.h;
  const context = preview.getContext('2d', { willReadFrequently: true })!;
  context.imageSmoothingQuality = 'high';
  context.drawImage(image, (image.width - sw) / 2, (image.height - sh) / 2, sw, sh, 0, 0, size.w, size.h);
  const pixels = context.getImageData(0, 0, size.w, size.h).data;
  const values = new Float32Array(size.h * size.w * size.c);
  for (let i = 0, p = 0; i < size.h * size.w; i++, p += 4) {
    const rgb = [pixels[p] / 255, pixels[p + 1] / 255, pixels[p + 2] / 255];
    const channels = size.c === 1 ? [0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]] : rgb;
    for (let c = 0; c < size.c; c++) values[i * size.c + c] = scale(channels[c % channels.length], c % 3, preprocessing, size.c === 1);
  }
  return tf.tensor4d(values, [1, size.h, size.w, size.c]);
}

function scale(v: number, channel: number, preprocessing: Preprocessing, grey: boolean): number {
  switch (preprocessing) {
    case 'unit':
      return v;
    case 'symmetric':
      return v * 2 - 1;
    case 'imagenet': {
      // A grey input uses the channel averages.
      const mean = grey ? 0.449 : imagenetMean[channel];
      const std = grey ? 0.226 : imagenetStd[channel];
      return (v - mean) / std;
    }
  }
}
