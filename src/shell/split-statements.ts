/**
 * Cuts typed SQL into complete statements, as sqlite3_complete() decides: a statement ends at a
 * `;` outside strings, quoted names and comments; inside `CREATE [TEMP] TRIGGER … BEGIN … END`
 * only the `;` after `END` ends it. What is left is an unfinished statement still being typed.
 */

export interface Split {
  statements: string[]
  /** Text after the last complete statement (may be blank). */
  rest: string
}

export function splitStatements(text: string): Split {
  const statements: string[] = []
  let start = 0
  let words: string[] = [] // first words of the current statement, upper-cased
  let lastWord = ''
  let i = 0
  const n = text.length
  while (i < n) {
    const c = text[i]
    if (c === "'" || c === '"' || c === '`') {
      i = closeQuote(text, i, c)
      lastWord = ''
      if (words.length < 4) words.push('')
      continue
    }
    if (c === '[') {
      const end = text.indexOf(']', i + 1)
      i = end < 0 ? n : end + 1
      lastWord = ''
      if (words.length < 4) words.push('')
      continue
    }
    if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i)
      i = end < 0 ? n : end + 1
      continue
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      i = end < 0 ? n : end + 2
      continue
    }
    if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let j = i + 1
      while (j < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(text[j])) j++
      lastWord = text.slice(i, j).toUpperCase()
      if (words.length < 4) words.push(lastWord)
      i = j
      continue
    }
    if (c === ';') {
      if (!isTrigger(words) || lastWord === 'END') {
        const statement = text.slice(start, i + 1).trim()
        if (statement !== ';') statements.push(statement)
        start = i + 1
        words = []
      }
      lastWord = ''
      i++
      continue
    }
    if (!/\s/.test(c)) lastWord = ''
    i++
  }
  return { statements, rest: text.slice(start) }
}

/** True when nothing but whitespace and comments is left. */
export function isBlankSql(text: string): boolean {
  return text.replace(/--[^\n]*(\n|$)/g, '').replace(/\/\*[\s\S]*?(\*\/|$)/g, '').trim() === ''
}

function closeQuote(text: string, from: number, quote: string): number {
  let i = from + 1
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) i += 2 // doubled quote: an escaped one
      else return i + 1
    } else i++
  }
  return text.length
}

function isTrigger(words: string[]): boolean {
  let w = words
  if (w[0] === 'EXPLAIN') w = w.slice(1)
  if (w[0] !== 'CREATE') return false
  return w[1] === 'TRIGGER' || ((w[1] === 'TEMP' || w[1] === 'TEMPORARY') && w[2] === 'TRIGGER')
}
