/**
 * jsonText keeps the text of frozen (stored) values only: a value that can
 * still change is serialized each time.
 */
import { expect } from 'chai';
import { deepFreeze, type JsonObject } from '../../src/lab/json.js';
import { jsonText } from '../../src/lab/json-text.js';

describe('lab: jsonText', () => {
  it('is the JSON text of a frozen object', () => {
    const object = deepFreeze({ metadata: { name: 'web', labels: { a: 'b' } }, spec: [1, 'x'] });
    expect(jsonText(object)).to.equal(
      '{"metadata":{"name":"web","labels":{"a":"b"}},"spec":[1,"x"]}',
    );
    expect(jsonText(object)).to.equal(jsonText(object));
  });

  it('serializes a value that can still change each time', () => {
    const object: JsonObject = { name: 'web' };
    expect(jsonText(object)).to.equal('{"name":"web"}');
    object['name'] = 'api';
    expect(jsonText(object)).to.equal('{"name":"api"}');
  });

  it('serializes scalars as JSON does', () => {
    expect(jsonText('a"b')).to.equal('"a\\"b"');
    expect(jsonText(null)).to.equal('null');
    expect(jsonText(3)).to.equal('3');
  });
});
