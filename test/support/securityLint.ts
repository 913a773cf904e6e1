/**
 * A static check of product code for three kinds of injection (issue 11, "Security tests of the shell
 * and host"), on the TypeScript AST (ts.createSourceFile), not on regexes:
 *  - sql:   SQL text handed to better-sqlite3 (.prepare/.exec/.pragma on a database) that is built
 *           from anything but constant fragments. Values go as bound parameters; a template may only
 *           splice in string constants (column lists, SELECT heads, WHERE fragments with "?"), which
 *           the check proves by following identifiers to their declarations, across relative imports.
 *  - html:  innerHTML, outerHTML, dangerouslySetInnerHTML, insertAdjacentHTML, document.write.
 *  - shell: child_process exec/execSync (always a shell), or spawn/execFile/fork with `shell` set.
 * The few sites that must splice a non-constant are on SQL_ALLOWED below, each with the reason.
 * No eslint is installed in this project; this is the lint rule.
 */
import ts from 'typescript';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export type LintRule = 'sql' | 'html' | 'shell';

export interface LintFinding {
  rule: LintRule;
  /** Path relative to the scanned root, with forward slashes. */
  file: string;
  line: number;
  /** The offending expression as written. */
  text: string;
  message: string;
  /** Set when the site is on SQL_ALLOWED: reported, but not a violation. */
  allowedBecause?: string;
}

/**
 * Non-constant SQL fragments that are safe, by file and the expression as written. Keep this list
 * short: every entry is a place where no bound parameter can do the job.
 */
export const SQL_ALLOWED: ReadonlyArray<{ file: string; text: string; why: string }> = [
  {
    file: 'db/archiveDatabase.ts',
    text: 'migration.sql',
    why: 'the text of a numbered migration shipped with the application (db/migrations), never input',
  },
  {
    file: 'db/archiveDatabase.ts',
    text: 'migration.version',
    why: 'the number of a shipped migration; PRAGMA user_version takes no bound parameter',
  },
  {
    file: 'main/backup/snapshotContents.ts',
    text: `name.replace(/"/g, '""')`,
    why: "a table name read from the snapshot's own sqlite_master, quoted as an identifier (identifiers cannot be bound)",
  },
];

const SQL_METHODS = new Set(['prepare', 'exec', 'pragma']);
/** .exec/.pragma are SQL only on a database object; RegExp#exec is not. .prepare is SQL everywhere in this code. */
const DATABASE_RECEIVER = /(^|\.)(db|\w*Db|database|\w*Database)$/;
const HTML_PROPERTIES = new Set(['innerHTML', 'outerHTML']);
const SHELL_ALWAYS = new Set(['exec', 'execSync']);
const SHELL_OPTION = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync', 'fork']);

/** Lint one source text. `fileName` decides TSX parsing and is what findings name. */
export function lintSource(fileName: string, text: string, resolveImport?: (specifier: string) => ts.SourceFile | undefined): LintFinding[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const findings: LintFinding[] = [];
  const childProcess = childProcessBindings(source);
  const at = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const report = (rule: LintRule, node: ts.Node, message: string) => findings.push({ rule, file: fileName, line: at(node), text: node.getText(source), message });

  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      checkSqlCall(node);
      checkShellCall(node);
      checkHtmlCall(node);
    }
    if (ts.isPropertyAccessExpression(node) && HTML_PROPERTIES.has(node.name.text)) report('html', node, `${node.name.text} parses a string as HTML: build elements (React, textContent) instead`);
    if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) && HTML_PROPERTIES.has(node.argumentExpression.text)) {
      report('html', node, `${node.argumentExpression.text} parses a string as HTML: build elements (React, textContent) instead`);
    }
    if (ts.isJsxAttribute(node) && node.name.getText(source) === 'dangerouslySetInnerHTML') report('html', node, 'dangerouslySetInnerHTML injects raw HTML: render the text as React children');
    ts.forEachChild(node, visit);
  };

  function checkHtmlCall(call: ts.CallExpression): void {
    const callee = call.expression;
    if (!ts.isPropertyAccessExpression(callee)) return;
    const name = callee.name.text;
    if (name === 'insertAdjacentHTML') report('html', call, 'insertAdjacentHTML parses a string as HTML: use insertAdjacentElement or textContent');
    if ((name === 'write' || name === 'writeln') && callee.expression.getText(source) === 'document') report('html', call, `document.${name} writes raw HTML into the page`);
  }

  function checkShellCall(call: ts.CallExpression): void {
    const callee = call.expression;
    let name: string | undefined;
    if (ts.isIdentifier(callee) && childProcess.functions.has(callee.text)) name = childProcess.functions.get(callee.text);
    else if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && childProcess.namespaces.has(callee.expression.text)) name = callee.name.text;
    if (!name) return;
    if (SHELL_ALWAYS.has(name)) {
      report('shell', call, `child_process.${name} runs its command through a shell: use execFile or spawn with an argument array`);
      return;
    }
    if (!SHELL_OPTION.has(name)) return;
    for (const argument of call.arguments) {
      if (!ts.isObjectLiteralExpression(argument)) continue;
      for (const property of argument.properties) {
        const key = property.name?.getText(source);
        if (key !== 'shell') continue;
        const isFalse = ts.isPropertyAssignment(property) && property.initializer.kind === ts.SyntaxKind.FalseKeyword;
        if (!isFalse) report('shell', call, `child_process.${name} with the shell option parses its arguments as a command line: pass an argument array without a shell`);
      }
    }
  }

  function checkSqlCall(call: ts.CallExpression): void {
    const callee = call.expression;
    if (!ts.isPropertyAccessExpression(callee) || !SQL_METHODS.has(callee.name.text)) return;
    if (callee.name.text !== 'prepare' && !DATABASE_RECEIVER.test(callee.expression.getText(source))) return;
    const sql = call.arguments[0];
    if (!sql) return;
    const resolver = new ConstantResolver(source, resolveImport);
    for (const unsafe of resolver.unsafeParts(sql)) {
      const text = unsafe.node.getText(unsafe.file);
      const allowed = SQL_ALLOWED.find((entry) => entry.file === fileName && entry.text === text);
      findings.push({
        ...(allowed ? { allowedBecause: allowed.why } : {}),
        rule: 'sql',
        file: fileName,
        line: unsafe.file.getLineAndCharacterOfPosition(unsafe.node.getStart(unsafe.file)).line + 1,
        text,
        message: `SQL for .${callee.name.text}() is built with "${text}", which is not a constant: pass values as bound parameters (?, @name)`,
      });
    }
  }

  visit(source);
  return findings;
}

/** Names bound to node:child_process: imported functions (local name -> exported name) and namespaces. */
function childProcessBindings(source: ts.SourceFile): { functions: Map<string, string>; namespaces: Set<string> } {
  const functions = new Map<string, string>();
  const namespaces = new Set<string>();
  const isChildProcess = (specifier: string) => specifier === 'child_process' || specifier === 'node:child_process';
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier) && isChildProcess(statement.moduleSpecifier.text)) {
      const clause = statement.importClause;
      if (clause?.name) namespaces.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) namespaces.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) functions.set(element.name.text, (element.propertyName ?? element.name).text);
    }
  }
  // require('child_process') in plain JS files.
  const visit = (node: ts.Node): void => {
    if (
      ts.isVariableDeclaration(node) &&
      node.initializer &&
      ts.isCallExpression(node.initializer) &&
      node.initializer.expression.getText(source) === 'require' &&
      ts.isStringLiteral(node.initializer.arguments[0] ?? node) &&
      isChildProcess((node.initializer.arguments[0] as ts.StringLiteral).text)
    ) {
      if (ts.isIdentifier(node.name)) namespaces.add(node.name.text);
      else if (ts.isObjectBindingPattern(node.name)) for (const element of node.name.elements) functions.set(element.name.getText(source), (element.propertyName ?? element.name).getText(source));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { functions, namespaces };
}

interface UnsafePart {
  node: ts.Node;
  file: ts.SourceFile;
}

/**
 * Decides whether an expression is a constant string: literals, templates and concatenations of
 * constants, a choice (?:) between constants, `const`s (or `let`s whose every assignment is
 * constant) with constant initialisers, arrays of constants joined, and constants with .replace().
 */
class ConstantResolver {
  private readonly visiting = new Set<ts.Node>();

  constructor(
    private readonly source: ts.SourceFile,
    private readonly resolveImport?: (specifier: string) => ts.SourceFile | undefined,
  ) {}

  unsafeParts(expression: ts.Expression, file: ts.SourceFile = this.source): UnsafePart[] {
    const node = skipParentheses(expression);
    if (ts.isStringLiteralLike(node) || ts.isNumericLiteral(node)) return [];
    if (ts.isTemplateExpression(node)) return node.templateSpans.flatMap((span) => this.unsafeParts(span.expression, file));
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) return [...this.unsafeParts(node.left, file), ...this.unsafeParts(node.right, file)];
    // The condition only picks one of two constant fragments; it never reaches the SQL text.
    if (ts.isConditionalExpression(node)) return [...this.unsafeParts(node.whenTrue, file), ...this.unsafeParts(node.whenFalse, file)];
    if (ts.isIdentifier(node)) return this.identifierIsConstant(node, file) ? [] : [{ node, file }];
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      const target = node.expression.expression;
      const literalArguments = node.arguments.every((argument) => ts.isStringLiteralLike(argument) || ts.isRegularExpressionLiteral(argument));
      if (method === 'join' && literalArguments && ts.isIdentifier(target) && this.arrayIsConstant(target, file)) return [];
      // values.map(() => '?').join(', '): one placeholder per value, the values themselves are bound.
      if (method === 'join' && literalArguments && this.isConstantMap(target, file)) return [];
      if ((method === 'replace' || method === 'replaceAll' || method === 'trim') && literalArguments && this.unsafeParts(target, file).length === 0) return [];
    }
    return [{ node, file }];
  }

  private isConstantMap(expression: ts.Expression, file: ts.SourceFile): boolean {
    const node = skipParentheses(expression);
    if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression) || node.expression.name.text !== 'map') return false;
    const mapper = node.arguments[0];
    return mapper !== undefined && ts.isArrowFunction(mapper) && !ts.isBlock(mapper.body) && this.unsafeParts(mapper.body, file).length === 0;
  }

  private identifierIsConstant(identifier: ts.Identifier, file: ts.SourceFile): boolean {
    const declaration = findDeclaration(identifier, file);
    if (!declaration) return this.importIsConstant(identifier.text, file);
    if (this.visiting.has(declaration)) return false;
    this.visiting.add(declaration);
    try {
      if (!declaration.initializer) return false;
      if (this.unsafeParts(declaration.initializer, file).length > 0) return false;
      const list = declaration.parent;
      const isConst = ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.Const) !== 0;
      return isConst || assignmentsTo(identifier.text, file).every((value) => this.unsafeParts(value, file).length === 0);
    } finally {
      this.visiting.delete(declaration);
    }
  }

  /** `const where: string[] = []` whose every push() is a constant. */
  private arrayIsConstant(identifier: ts.Identifier, file: ts.SourceFile): boolean {
    const declaration = findDeclaration(identifier, file);
    const initializer = declaration?.initializer && skipParentheses(declaration.initializer);
    if (!initializer || !ts.isArrayLiteralExpression(initializer)) return false;
    if (initializer.elements.some((element) => this.unsafeParts(element, file).length > 0)) return false;
    let constant = true;
    const visit = (node: ts.Node): void => {
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        ts.isIdentifier(node.expression.expression) &&
        node.expression.expression.text === identifier.text
      ) {
        const method = node.expression.name.text;
        if (['push', 'unshift', 'splice', 'fill'].includes(method) && node.arguments.some((argument) => this.unsafeParts(argument, file).length > 0)) constant = false;
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
    return constant && assignmentsTo(identifier.text, file).length === 0;
  }

  /** An exported `const` of a relatively imported module, checked in its own file. */
  private importIsConstant(name: string, file: ts.SourceFile): boolean {
    if (!this.resolveImport) return false;
    for (const statement of file.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const bindings = statement.importClause?.namedBindings;
      if (!bindings || !ts.isNamedImports(bindings)) continue;
      const element = bindings.elements.find((candidate) => candidate.name.text === name);
      if (!element) continue;
      const imported = this.resolveImport(join(dirname(file.fileName), statement.moduleSpecifier.text));
      if (!imported) return false;
      const exportedName = (element.propertyName ?? element.name).text;
      for (const top of imported.statements) {
        if (!ts.isVariableStatement(top) || !(top.declarationList.flags & ts.NodeFlags.Const)) continue;
        for (const declaration of top.declarationList.declarations) {
          if (ts.isIdentifier(declaration.name) && declaration.name.text === exportedName && declaration.initializer) {
            return this.unsafeParts(declaration.initializer, imported).length === 0;
          }
        }
      }
      return false;
    }
    return false;
  }
}

function skipParentheses(expression: ts.Expression): ts.Expression {
  let node = expression;
  while (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isNonNullExpression(node)) node = node.expression;
  return node;
}

/** The nearest declaration of the identifier's name in an enclosing scope (a parameter counts as none). */
function findDeclaration(identifier: ts.Identifier, file: ts.SourceFile): ts.VariableDeclaration | undefined {
  for (let scope: ts.Node | undefined = identifier.parent; scope; scope = scope.parent) {
    if (ts.isFunctionLike(scope) && scope.parameters.some((parameter) => parameter.name.getText(file) === identifier.text)) return undefined;
    const statements = ts.isBlock(scope) || ts.isSourceFile(scope) || ts.isModuleBlock(scope) ? scope.statements : undefined;
    if (!statements) continue;
    for (const statement of statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.name.text === identifier.text) return declaration;
      }
    }
  }
  return undefined;
}

/** Right-hand sides of `name = ...` and `name += ...` anywhere in the file. */
function assignmentsTo(name: string, file: ts.SourceFile): ts.Expression[] {
  const values: ts.Expression[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isBinaryExpression(node) &&
      ts.isIdentifier(node.left) &&
      node.left.text === name &&
      node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      node.operatorToken.kind <= ts.SyntaxKind.LastAssignment
    ) {
      values.push(node.right);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return values;
}

/** The product folders: everything the app ships, not the tests. */
export const PRODUCT_FOLDERS = ['main', 'db', 'native-worker', 'renderer'] as const;

const SOURCE_FILE = /\.(ts|tsx|mts|cts|js|mjs|cjs|jsx)$/;
const TEST_FILE = /\.(test|spec)\.[cm]?[jt]sx?$/;

function productFiles(root: string, folder: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && SOURCE_FILE.test(entry.name) && !TEST_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  if (existsSync(join(root, folder))) walk(join(root, folder));
  return files;
}

/** Lint every product file under root; also returns how many files were read. */
export function lintProduct(root: string): { files: number; findings: LintFinding[] } {
  const cache = new Map<string, ts.SourceFile | undefined>();
  const resolveImport = (absolute: string): ts.SourceFile | undefined => {
    const candidates = [absolute, absolute.replace(/\.js$/, '.ts'), absolute.replace(/\.js$/, '.tsx'), `${absolute}.ts`];
    for (const candidate of candidates) {
      if (cache.has(candidate)) return cache.get(candidate);
      if (existsSync(candidate) && statSync(candidate).isFile()) {
        const parsed = ts.createSourceFile(candidate, readFileSync(candidate, 'utf8'), ts.ScriptTarget.Latest, true);
        cache.set(candidate, parsed);
        return parsed;
      }
    }
    return undefined;
  };
  const findings: LintFinding[] = [];
  let files = 0;
  for (const folder of PRODUCT_FOLDERS) {
    for (const path of productFiles(root, folder)) {
      files++;
      const name = relative(root, path).split('\\').join('/');
      // Imports resolve against the real path; findings name the file relative to root.
      findings.push(...lintSource(name, readFileSync(path, 'utf8'), (specifier) => resolveImport(resolve(root, specifier))));
    }
  }
  return { files, findings };
}
