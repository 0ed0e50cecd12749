/**
 * Entry of the activations webview. It starts a tfjs backend (shown to the user, since speed
 * differs tenfold between them), then lists the layers of the snapshot it is sent. Running the
 * sample image through the model arrives with the model builder.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FromActivationsWebview, GraphSnapshot, ToActivationsWebview } from '../../src/core/protocol/messages';
import { hostChannel, onHostMessage } from '../shared/vscodeApi';
import { startBackend } from './backend';

const host = hostChannel<FromActivationsWebview, { uri?: string }>();
const root = document.getElementById('root')!;
const status = root.appendChild(document.createElement('p'));
status.className = 'backend';
const layerList = root.appendChild(document.createElement('ol'));
status.textContent = 'Starting TensorFlow.js…';

onHostMessage<ToActivationsWebview>((message) => {
  if (message.type === 'snapshot') showLayers(message.snapshot);
});

void startBackend(document.body.dataset.wasmPath ?? '').then(
  (choice) => {
    // One tiny op proves the backend computes, not merely that it registered.
    const probe = tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0];
    status.textContent = `TensorFlow.js backend: ${choice.name}${probe === 6 ? '' : ' (self-check failed)'}`;
    status.title = choice.notes.join('\n');
    host.post({ type: 'backend', name: choice.name });
  },
  (error: Error) => {
    status.textContent = `TensorFlow.js could not start: ${error.message}`;
    host.post({ type: 'backend', name: 'none', error: error.message });
  },
);
host.post({ type: 'ready' });

function showLayers(snapshot: GraphSnapshot): void {
  host.saveState({ uri: snapshot.document.uri });
  layerList.replaceChildren(...snapshot.layers.map((l) => Object.assign(document.createElement('li'), { textContent: `${l.name} (${l.kind})` })));
  if (!snapshot.layers.length) layerList.replaceChildren(Object.assign(document.createElement('li'), { textContent: snapshot.message ?? '' }));
}
