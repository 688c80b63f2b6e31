// The syntax tree of a ser.cfg routing script (SER 0.8 admin guide, chapter 2 and §6).
// Every node carries the place it came from so that the resolver and the compiler can
// report errors as file:line:col.

export interface Loc {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based, in characters */
  col: number;
  /** length of the offending text in characters (for the ^~~~ marker); at least 1 */
  len: number;
}

/**
 * A value as written in the script. `word` is a run of adjacent unquoted characters
 * glued together exactly as written (`yes`, `5060`, `127.0.0.1`, `udp:10.0.0.1:5060`,
 * `[::1]`, `foo.bar.com`, `192.168.0.0/16`, `max_len`, `-1`); the consumer
 * interprets it according to where it appears.
 */
export type Value =
  | { kind: 'string'; value: string; loc: Loc }
  | { kind: 'word'; text: string; loc: Loc };

/** `name = value [value...]` in the global section (§6.1). */
export interface Assign {
  type: 'assign';
  name: string;
  values: Value[];
  loc: Loc;
}

export interface LoadModule {
  type: 'loadmodule';
  path: Value;
  loc: Loc;
}

export interface ModParam {
  type: 'modparam';
  module: Value;
  param: Value;
  value: Value;
  loc: Loc;
}

export type RouteKind = 'request' | 'failure' | 'onreply' | 'branch';

/** `route{}`, `route[n]{}`, `failure_route[n]{}` (and the later onreply_route/branch_route). */
export interface RouteBlock {
  type: 'route';
  kind: RouteKind;
  /** 0 for a bare `route{`; the number in brackets otherwise */
  index: number;
  body: Stmt[];
  loc: Loc;
}

export type TopItem = Assign | LoadModule | ModParam | RouteBlock;

export interface Script {
  file: string;
  items: TopItem[];
}

/** A call of a core action or a module function: `name(arg, ...)` or `name` with no parentheses. */
export interface Call {
  type: 'call';
  name: string;
  args: Value[];
  /** false when written without parentheses (`break`-like words such as `drop`) */
  parens: boolean;
  loc: Loc;
}

export interface If {
  type: 'if';
  cond: Expr;
  then: Stmt[];
  else?: Stmt[];
  loc: Loc;
}

export interface Break {
  type: 'break';
  loc: Loc;
}

/** `{ ... }` used as a statement */
export interface Block {
  type: 'block';
  body: Stmt[];
  loc: Loc;
}

export type Stmt = Call | If | Break | Block;

/** Left-hand operands of Table 2-1 (and a few later SER names kept for compatibility). */
export type Operand = 'method' | 'uri' | 'src_ip' | 'dst_ip' | 'src_port' | 'dst_port' | 'proto' | 'af';

export type CmpOp = '==' | '!=' | '=~' | '!~';

export interface Compare {
  type: 'cmp';
  lhs: Operand;
  op: CmpOp;
  /** `myself` is a word with text 'myself'; an IP network is a word like `10.0.0.0/8` */
  rhs: Value;
  loc: Loc;
}

export interface Not {
  type: 'not';
  expr: Expr;
  loc: Loc;
}

export interface Logical {
  type: 'and' | 'or';
  left: Expr;
  right: Expr;
  loc: Loc;
}

/** A bare number used as a condition: `if (1)`. */
export interface NumberExpr {
  type: 'number';
  value: number;
  loc: Loc;
}

export type Expr = Compare | Not | Logical | Call | NumberExpr;
