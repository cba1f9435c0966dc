import { describe, expect, it } from 'vitest'
import { Logger, MemoryLogSink, jsonLineSink, parseLogLevel, textLineSink } from '../../src/observe/logger.ts'

describe('Logger', () => {
  it('filters by level, with per-subsystem levels overriding the default', () => {
    const sink = new MemoryLogSink()
    const logger = new Logger({ sink, level: 'info', levels: { raft: 'warn' }, now: () => 0 })
    logger.for('raft').info('election started')
    logger.for('raft').warn('no quorum')
    logger.for('store').debug('hidden')
    logger.for('store').info('shown', { bytes: 10 })
    expect(sink.records.map((r) => `${r.subsystem}:${r.level}:${r.msg}`)).toEqual(['raft:warn:no quorum', 'store:info:shown'])
    expect(sink.records[1]?.fields).toEqual({ bytes: 10 })
  })

  it('writes JSON lines that parse, and readable text lines', () => {
    const json: string[] = []
    const text: string[] = []
    new Logger({ sink: jsonLineSink((l) => json.push(l)), now: () => 0 }).for('snapshot').info('taken', { index: 12n, path: 'a b' })
    new Logger({ sink: textLineSink((l) => text.push(l)), now: () => 0 }).for('snapshot').info('taken', { index: 12n, path: 'a b' })
    expect(JSON.parse(json[0] ?? '')).toEqual({ time: '1970-01-01T00:00:00.000Z', level: 'info', subsystem: 'snapshot', msg: 'taken', index: '12', path: 'a b' })
    expect(text[0]).toBe('1970-01-01T00:00:00.000Z INFO  [snapshot] taken index=12 path="a b"')
  })

  it('never lets a failing sink fail the caller', () => {
    const logger = new Logger({ sink: { write: () => { throw new Error('EPIPE') } } })
    expect(() => logger.for('http').error('x')).not.toThrow()
  })

  it('parses levels as rqlite spells them', () => {
    expect(parseLogLevel('INFO')).toBe('info')
    expect(parseLogLevel('WARNING')).toBe('warn')
    expect(parseLogLevel('off')).toBe('off')
    expect(parseLogLevel('loud')).toBeNull()
  })
})
