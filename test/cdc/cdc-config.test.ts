import { describe, expect, it } from 'vitest'
import { backoffMs, CDC_DEFAULTS, cdcConfigSource, loadCdcConfig, parseCdcConfigJson } from '../../src/cdc/cdc-config.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

describe('-cdc-config', () => {
  it('takes a URL, stdout, stream or a file path', () => {
    expect(cdcConfigSource('http://h:8000/hook')).toEqual({ kind: 'config', config: { ...CDC_DEFAULTS, endpoint: { kind: 'http', url: 'http://h:8000/hook' } } })
    expect(cdcConfigSource('stdout')).toMatchObject({ kind: 'config', config: { endpoint: { kind: 'stdout' } } })
    expect(cdcConfigSource('stream')).toMatchObject({ kind: 'config', config: { endpoint: { kind: 'none' } } })
    expect(cdcConfigSource('/etc/cdc.json')).toEqual({ kind: 'file', path: '/etc/cdc.json' })
  })

  it("reads rqlite's JSON fields, durations as strings or integer nanoseconds", () => {
    const c = parseCdcConfigJson(
      JSON.stringify({
        endpoint: 'https://x/hook', service_id: 'prod-eu', row_ids_only: true, table_filter: '^users$',
        max_batch_size: 5, max_batch_delay: '250ms', high_watermark_interval: 2_000_000_000, transmit_timeout: '1s',
        transmit_max_retries: 3, transmit_retry_policy: 1, transmit_min_backoff: 100_000_000, transmit_max_backoff: '2s',
        tls: { ca_cert_file: '/ca.pem', insecure_skip_verify: false, server_name: 'hooks.local' },
      }),
    )
    expect(c.tls).toEqual({ caCertFile: '/ca.pem', certFile: '', keyFile: '', insecureSkipVerify: false, serverName: 'hooks.local' })
    expect(parseCdcConfigJson('{"endpoint":"stdout","tls":{"insecure_skip_verify":false}}').tls).toBeNull()
    expect(c).toMatchObject({
      endpoint: { kind: 'http', url: 'https://x/hook' }, serviceId: 'prod-eu', rowIdsOnly: true, maxBatchSize: 5, maxBatchDelayMs: 250,
      highWatermarkIntervalMs: 2000, transmitTimeoutMs: 1000, transmitMaxRetries: 3, retryPolicy: 'exponential',
      transmitMinBackoffMs: 100, transmitMaxBackoffMs: 2000,
    })
    expect(c.tableFilter!.test('users')).toBe(true)
    expect(c.tableFilter!.test('users2')).toBe(false)
    expect(parseCdcConfigJson('{"endpoint":"stdout","transmit_retry_policy":"ExponentialRetryPolicy"}').retryPolicy).toBe('exponential')
    expect(parseCdcConfigJson('{"endpoint":"stdout"}')).toEqual({ ...CDC_DEFAULTS, endpoint: { kind: 'stdout' } })
  })

  it('refuses bad input with a message naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [[], /expected a JSON object/],
      [{}, /"endpoint" is required/],
      [{ endpoint: 'ftp://x' }, /"endpoint" must be an http\(s\) URL/],
      [{ endpoint: 'stdout', max_batch_delay: 'soon' }, /"max_batch_delay": time: invalid duration "soon"/],
      [{ endpoint: 'stdout', max_batch_delay: -5 }, /"max_batch_delay" must be a duration/],
      [{ endpoint: 'stdout', max_batch_size: 0 }, /"max_batch_size" must be an integer ≥ 1/],
      [{ endpoint: 'stdout', table_filter: '(' }, /"table_filter" is not a valid regular expression/],
      [{ endpoint: 'stdout', transmit_retry_policy: 7 }, /"transmit_retry_policy" must be/],
      [{ endpoint: 'stdout', endpont: 'x' }, /unknown field "endpont"/],
      [{ endpoint: 'stdout', tls: { ca_file: '/ca.pem' } }, /unknown field "tls.ca_file"/],
      [{ endpoint: 'stdout', tls: { cert_file: '/c.pem' } }, /"tls.cert_file" and "tls.key_file" go together/],
      [{ endpoint: 'stdout', tls: { insecure_skip_verify: 'yes' } }, /"tls.insecure_skip_verify" must be true or false/],
      [{ endpoint: 'stdout', transmit_min_backoff: '2s', transmit_max_backoff: '1s' }, /less than/],
    ]
    for (const [input, message] of bad) expect(() => parseCdcConfigJson(JSON.stringify(input)), JSON.stringify(input)).toThrow(message)
    expect(() => parseCdcConfigJson('{')).toThrow(/invalid CDC config: not JSON/)
  })

  it('loads a file through the file port, and says which one it could not read', () => {
    const files = new MemoryFilePort()
    const h = files.open('/c.json', { create: true })
    h.write(new TextEncoder().encode('{"endpoint":"http://127.0.0.1:9/x","max_batch_size":2}'), 0)
    h.close()
    expect(loadCdcConfig('/c.json', files)?.maxBatchSize).toBe(2)
    expect(loadCdcConfig('', files)).toBeNull()
    expect(() => loadCdcConfig('/nope.json', files)).toThrow(/cannot read \/nope.json/)
  })

  it('backs off linearly or exponentially, capped', () => {
    const linear = { retryPolicy: 'linear' as const, transmitMinBackoffMs: 100, transmitMaxBackoffMs: 350 }
    expect([1, 2, 3, 4].map((a) => backoffMs(linear, a))).toEqual([100, 200, 300, 350])
    const exp = { ...linear, retryPolicy: 'exponential' as const, transmitMaxBackoffMs: 1000 }
    expect([1, 2, 3, 4, 5, 60].map((a) => backoffMs(exp, a))).toEqual([100, 200, 400, 800, 1000, 1000])
  })
})
