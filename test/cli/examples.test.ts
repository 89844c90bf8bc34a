/**
 * The CLI on this project's v0.9 sample ConfigMaps (test/fixtures/samples/);
 * test/upstream/examples.test.ts runs the same on v0.9.6's example configs.
 */
import { OWN_SAMPLES } from '../support/v09-samples.js';
import { describeV09Examples } from './examples.js';

describeV09Examples(OWN_SAMPLES);
