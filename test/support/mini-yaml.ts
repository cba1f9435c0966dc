/**
 * A YAML reader for the subset our deployment files use (docker-compose.yml,
 * deploy/kubernetes/*.yaml): block mappings and sequences, `---` documents, comments, plain and
 * quoted scalars, `{}`/`[]` and flat flow sequences. Anything else (anchors, block scalars,
 * tags) is refused rather than misread, so the files stay inside what the tests can check.
 */
export type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml }

interface Line {
  indent: number
  text: string
  no: number
}

const KEY = /^([^\s"'\-[{][^:]*|-[^\s:][^:]*|"[^"]*"|'[^']*'):(?:\s+(.*))?$/

export function parseYamlDocuments(source: string): Yaml[] {
  return source
    .split(/^---[ \t]*$/m)
    .map((doc) => parseLines(toLines(doc)))
    .filter((doc) => doc !== null)
}

export function parseYaml(source: string): Yaml {
  const docs = parseYamlDocuments(source)
  if (docs.length !== 1) throw new Error(`expected one YAML document, found ${docs.length}`)
  return docs[0]
}

function toLines(doc: string): Line[] {
  const lines: Line[] = []
  doc.split('\n').forEach((raw, no) => {
    const text = stripComment(raw).trimEnd()
    if (text.trim() === '') return
    if (/\t/.test(raw.slice(0, raw.length - raw.trimStart().length))) throw new Error(`line ${no + 1}: tab indentation`)
    lines.push({ indent: text.length - text.trimStart().length, text: text.trimStart(), no: no + 1 })
  })
  return lines
}

/** Drops a `#` comment: at the start, or after whitespace outside quotes. */
function stripComment(line: string): string {
  let quote = ''
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quote) {
      if (c === quote) quote = ''
    } else if (c === '"' || c === "'") {
      quote = c
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i)
    }
  }
  return line
}

function parseLines(lines: Line[]): Yaml {
  if (lines.length === 0) return null
  let pos = 0
  const fail = (line: Line, why: string): never => {
    throw new Error(`line ${line.no}: ${why}: ${line.text}`)
  }
  const isItem = (l: Line) => l.text === '-' || l.text.startsWith('- ')

  function block(indent: number): Yaml {
    const line = lines[pos]
    if (line.indent < indent) fail(line, 'bad indentation')
    return isItem(line) ? sequence(line.indent) : mapping(line.indent)
  }

  function mapping(indent: number): Yaml {
    const out: { [key: string]: Yaml } = {}
    while (pos < lines.length && lines[pos].indent === indent && !isItem(lines[pos])) {
      const line = lines[pos++]
      const m = KEY.exec(line.text) ?? fail(line, 'expected `key: value`')
      const key = m[1].startsWith('"') || m[1].startsWith("'") ? (scalar(m[1], line) as string) : m[1].trim()
      if (key in out) fail(line, `duplicate key ${key}`)
      const next = lines[pos]
      if (m[2] !== undefined && m[2] !== '') out[key] = scalar(m[2], line)
      else if (next && next.indent > indent) out[key] = block(indent + 1)
      else if (next && next.indent === indent && isItem(next)) out[key] = sequence(indent) // `key:\n- item`
      else out[key] = null
    }
    if (pos < lines.length && lines[pos].indent > indent) fail(lines[pos], 'bad indentation')
    return out
  }

  function sequence(indent: number): Yaml {
    const out: Yaml[] = []
    while (pos < lines.length && lines[pos].indent === indent && isItem(lines[pos])) {
      const line = lines[pos]
      const content = line.text.slice(1).trimStart()
      if (content === '') {
        pos++
        out.push(pos < lines.length && lines[pos].indent > indent ? block(indent + 1) : null)
      } else if (KEY.test(content)) {
        // `- key: value` opens a mapping whose keys sit at the column of `key`.
        lines[pos] = { indent: indent + line.text.length - content.length, text: content, no: line.no }
        out.push(mapping(lines[pos].indent))
      } else {
        pos++
        out.push(scalar(content, line))
      }
    }
    return out
  }

  const doc = block(0)
  if (pos < lines.length) fail(lines[pos], 'unexpected content')
  return doc
}

function scalar(text: string, line: Line): Yaml {
  const t = text.trim()
  if (/^[&*!|>]/.test(t)) throw new Error(`line ${line.no}: anchors, tags and block scalars are not supported: ${t}`)
  if (t.startsWith('"')) return JSON.parse(t) as string
  if (t.startsWith("'")) {
    if (!t.endsWith("'") || t.length < 2) throw new Error(`line ${line.no}: unterminated string`)
    return t.slice(1, -1).replaceAll("''", "'")
  }
  if (t === '{}') return {}
  if (t.startsWith('[') && t.endsWith(']')) {
    const inner = t.slice(1, -1).trim()
    return inner === '' ? [] : inner.split(',').map((s) => scalar(s, line))
  }
  if (t.startsWith('{') || t.startsWith('[')) throw new Error(`line ${line.no}: flow collections are not supported: ${t}`)
  if (t === 'true' || t === 'false') return t === 'true'
  if (t === 'null' || t === '~') return null
  if (/^-?\d+$/.test(t)) return Number(t)
  return t
}
