/**
 * Title, class and screen-text patterns of eSSO profiles, matched in time linear in the text.
 *
 * Profiles come from IT and window titles come from any application (a title can be 100,000
 * characters of control codes). JavaScript's RegExp backtracks, so a profile regex such as
 * `(a+)+$` or `.*.*.*x` could stall the agent on a hostile title. Profile regexes are therefore
 * parsed here into a small, documented subset and run as a Thompson NFA (a set of states per
 * character, never backtracking); wildcards (`*`, `?`) are compiled to the same machine.
 *
 * Subset: literals, `.`, classes `[a-z0-9_]` and `[^...]`, escapes `\d \w \s \D \W \S` and
 * escaped punctuation, groups `( )` and `(?: )`, alternation `|`, quantifiers `* + ?` and
 * `{n}`, `{n,}`, `{n,m}` (n, m ≤ 32), anchors `^` at the start and `$` at the end. Matching is
 * a search (unanchored unless anchored), case-insensitive unless the profile says otherwise.
 * Back-references, look-around and lazy quantifiers are refused with a message.
 */

/** The longest pattern a profile may hold, and the most NFA states it may compile to. */
export const MAX_PATTERN_LENGTH = 256;
const MAX_STATES = 2000;
/** Text beyond this is not examined: `$` then never matches (the end was not seen). */
export const MAX_MATCHED_TEXT = 4096;
const REPEAT_LIMIT = 32;

type CharTest = (code: number) => boolean;

type Node =
  | { readonly kind: 'char'; readonly test: CharTest }
  | { readonly kind: 'concat'; readonly items: readonly Node[] }
  | { readonly kind: 'alt'; readonly options: readonly Node[] }
  | { readonly kind: 'repeat'; readonly item: Node; readonly min: number; readonly max: number | null }
  | { readonly kind: 'empty' };

export class PatternError extends Error {}

const isDigit: CharTest = (c) => c >= 48 && c <= 57;
const isWord: CharTest = (c) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace: CharTest = (c) => c === 32 || (c >= 9 && c <= 13) || c === 0xa0;
const anyChar: CharTest = () => true;

/** Lower-cases one UTF-16 code unit (enough for Latin titles: É/é, À/à...). */
function fold(code: number): number {
  const lower = String.fromCharCode(code).toLowerCase();
  return lower.length === 1 ? lower.charCodeAt(0) : code;
}

class Parser {
  private at = 0;
  anchoredStart = false;
  anchoredEnd = false;

  constructor(
    private readonly source: string,
    private readonly caseless: boolean,
  ) {}

  parse(): Node {
    if (this.source.startsWith('^')) {
      this.anchoredStart = true;
      this.at = 1;
    }
    const node = this.alternation();
    if (this.at < this.source.length) this.fail(`unexpected "${this.source[this.at]}"`);
    return node;
  }

  private fail(problem: string): never {
    throw new PatternError(`${problem} at position ${this.at + 1}`);
  }

  private peek(): string | undefined {
    return this.source[this.at];
  }

  private alternation(): Node {
    const options = [this.concatenation()];
    while (this.peek() === '|') {
      this.at++;
      options.push(this.concatenation());
    }
    return options.length === 1 ? options[0]! : { kind: 'alt', options };
  }

  private concatenation(): Node {
    const items: Node[] = [];
    for (;;) {
      const next = this.peek();
      if (next === undefined || next === '|' || next === ')') break;
      if (next === '$') {
        if (this.at !== this.source.length - 1) this.fail('"$" is only allowed at the end');
        this.anchoredEnd = true;
        this.at++;
        break;
      }
      items.push(this.quantified(this.atom()));
    }
    if (items.length === 0) return { kind: 'empty' };
    return items.length === 1 ? items[0]! : { kind: 'concat', items };
  }

  private quantified(item: Node): Node {
    const next = this.peek();
    let min: number;
    let max: number | null;
    if (next === '*') [min, max] = [0, null];
    else if (next === '+') [min, max] = [1, null];
    else if (next === '?') [min, max] = [0, 1];
    else if (next === '{') {
      const counted = /^\{(\d{1,2})(,(\d{0,2}))?\}/.exec(this.source.slice(this.at));
      if (!counted) this.fail('a count must look like {n}, {n,} or {n,m}');
      min = Number(counted[1]);
      max = counted[2] === undefined ? min : counted[3] ? Number(counted[3]) : null;
      if (min > REPEAT_LIMIT || (max !== null && (max > REPEAT_LIMIT || max < min)))
        this.fail(`a count must be between 0 and ${REPEAT_LIMIT}, smallest first`);
      this.at += counted[0].length - 1;
    } else return item;
    this.at++;
    const after = this.peek();
    if (after === '?' || after === '+') this.fail('lazy and possessive quantifiers are not supported');
    if (after === '*' || after === '{') this.fail('a quantifier cannot follow another');
    return { kind: 'repeat', item, min, max };
  }

  private atom(): Node {
    const char = this.peek()!;
    if (char === '(') {
      this.at++;
      if (this.source.startsWith('?:', this.at)) this.at += 2;
      else if (this.peek() === '?') this.fail('look-around and named groups are not supported');
      const inner = this.alternation();
      if (this.peek() !== ')') this.fail('a group is not closed');
      this.at++;
      return inner;
    }
    if (char === '[') return this.charClass();
    if (char === '.') {
      this.at++;
      return { kind: 'char', test: anyChar };
    }
    if (char === '\\') return { kind: 'char', test: this.escape(false) };
    if ('*+?{'.includes(char)) this.fail(`nothing to repeat before "${char}"`);
    if (char === '^') this.fail('"^" is only allowed at the start');
    this.at++;
    return { kind: 'char', test: this.literal(char.charCodeAt(0)) };
  }

  private literal(code: number): CharTest {
    if (!this.caseless) return (c) => c === code;
    const folded = fold(code);
    return (c) => fold(c) === folded;
  }

  /** After a backslash: a class escape or an escaped punctuation character. */
  private escape(inClass: boolean): CharTest {
    this.at++;
    const char = this.peek();
    if (char === undefined) this.fail('a pattern cannot end with "\\"');
    this.at++;
    switch (char) {
      case 'd':
        return isDigit;
      case 'D':
        return (c) => !isDigit(c);
      case 'w':
        return isWord;
      case 'W':
        return (c) => !isWord(c);
      case 's':
        return isSpace;
      case 'S':
        return (c) => !isSpace(c);
      case 't':
        return (c) => c === 9;
      default:
        if (/[0-9A-Za-z]/.test(char)) {
          this.at -= 2;
          this.fail(`"\\${char}" is not supported${inClass ? ' in a class' : ''}`);
        }
        return this.literal(char.charCodeAt(0));
    }
  }

  private charClass(): Node {
    this.at++;
    const negated = this.peek() === '^';
    if (negated) this.at++;
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      const char = this.peek();
      if (char === undefined) this.fail('a class is not closed');
      if (char === ']' && !first) break;
      first = false;
      if (char === '\\') {
        tests.push(this.escape(true));
        continue;
      }
      this.at++;
      const low = char.charCodeAt(0);
      if (this.peek() === '-' && this.source[this.at + 1] !== undefined && this.source[this.at + 1] !== ']') {
        this.at++;
        const high = this.source.charCodeAt(this.at);
        this.at++;
        if (high < low) this.fail('a class range must go upwards');
        tests.push(
          this.caseless
            ? (c) => (c >= low && c <= high) || (fold(c) >= fold(low) && fold(c) <= fold(high))
            : (c) => c >= low && c <= high,
        );
      } else tests.push(this.literal(low));
    }
    this.at++;
    const inClass: CharTest = (c) => tests.some((test) => test(c));
    return { kind: 'char', test: negated ? (c) => !inClass(c) : inClass };
  }
}

/** NFA states: a character test leading on, a split (epsilon to both), or the accepting state. */
type State =
  | { kind: 'char'; test: CharTest; next: number }
  | { kind: 'split'; a: number; b: number }
  | { kind: 'match' };

class Compiler {
  readonly states: State[] = [];

  private add(state: State): number {
    if (this.states.length >= MAX_STATES) throw new PatternError('the pattern is too large once expanded');
    this.states.push(state);
    return this.states.length - 1;
  }

  /** Compiles `node` so that it continues to `next`; returns its entry state. */
  compile(node: Node, next: number): number {
    switch (node.kind) {
      case 'empty':
        return next;
      case 'char':
        return this.add({ kind: 'char', test: node.test, next });
      case 'concat':
        return node.items.reduceRight((after, item) => this.compile(item, after), next);
      case 'alt':
        return node.options
          .map((option) => this.compile(option, next))
          .reduceRight((rest, entry) => this.add({ kind: 'split', a: entry, b: rest }));
      case 'repeat': {
        let entry = next;
        if (node.max === null) {
          // A loop: split → item → back to the split, or on.
          const loop = this.add({ kind: 'split', a: -1, b: next });
          const body = this.compile(node.item, loop);
          (this.states[loop] as { a: number }).a = body;
          entry = loop;
        } else {
          for (let optional = node.max - node.min; optional > 0; optional--) {
            const body = this.compile(node.item, entry);
            entry = this.add({ kind: 'split', a: body, b: next });
          }
        }
        for (let required = node.min; required > 0; required--) entry = this.compile(node.item, entry);
        return entry;
      }
    }
  }
}

export interface CompiledPattern {
  /** Whether the pattern occurs in `text` (or matches it whole, when anchored). */
  test(text: string): boolean;
}

function machine(root: Node, anchoredStart: boolean, anchoredEnd: boolean): CompiledPattern {
  const compiler = new Compiler();
  const accept = compiler.states.length;
  compiler.states.push({ kind: 'match' });
  const start = compiler.compile(root, accept);
  const { states } = compiler;
  const mark = new Int32Array(states.length);
  let generation = 0;

  /** Adds `state` and everything reachable from it by splits to `set`. */
  const addClosure = (set: number[], state: number): void => {
    const stack = [state];
    while (stack.length > 0) {
      const index = stack.pop()!;
      if (mark[index] === generation) continue;
      mark[index] = generation;
      const node = states[index]!;
      if (node.kind === 'split') stack.push(node.b, node.a);
      else set.push(index);
    }
  };

  return {
    test(text: string): boolean {
      const truncated = text.length > MAX_MATCHED_TEXT;
      const length = Math.min(text.length, MAX_MATCHED_TEXT);
      generation++;
      let current: number[] = [];
      addClosure(current, start);
      for (let i = 0; ; i++) {
        const accepting = current.some((index) => states[index]!.kind === 'match');
        if (accepting && (!anchoredEnd || (i === length && !truncated))) return true;
        if (i === length) return false;
        const code = text.charCodeAt(i);
        generation++;
        const next: number[] = [];
        for (const index of current) {
          const node = states[index]!;
          if (node.kind === 'char' && node.test(code)) addClosure(next, node.next);
        }
        if (!anchoredStart) addClosure(next, start);
        if (next.length === 0) return false;
        current = next;
      }
    },
  };
}

/** Compiles a profile regex, or throws a PatternError saying what is not allowed and where. */
export function compileRegex(source: string, caseSensitive = false): CompiledPattern {
  if (source.length > MAX_PATTERN_LENGTH)
    throw new PatternError(`longer than ${MAX_PATTERN_LENGTH} characters`);
  const parser = new Parser(source, !caseSensitive);
  const root = parser.parse();
  return machine(root, parser.anchoredStart, parser.anchoredEnd);
}

/** Compiles a wildcard (`*` any run, `?` one character, the rest literal), matched whole. */
export function compileWildcard(source: string, caseSensitive = false): CompiledPattern {
  if (source.length > MAX_PATTERN_LENGTH)
    throw new PatternError(`longer than ${MAX_PATTERN_LENGTH} characters`);
  const items: Node[] = source.split('').map((char) => {
    if (char === '*') return { kind: 'repeat', item: { kind: 'char', test: anyChar }, min: 0, max: null };
    if (char === '?') return { kind: 'char', test: anyChar };
    const code = char.charCodeAt(0);
    const folded = fold(code);
    return {
      kind: 'char',
      test: caseSensitive ? (c: number) => c === code : (c: number) => fold(c) === folded,
    };
  });
  return machine({ kind: 'concat', items }, true, true);
}
