//! What a user template may use, checked on tera's parsed AST before it is
//! ever rendered. Tera itself bounds nothing: a self-include or a recursive
//! macro overflows the stack (aborting the process, not just the request),
//! loops nest without limit and `set`/`set_global` can double a string per
//! statement. So a template may not include, import, extend or define and
//! call macros, may not `set_global`, may nest loops at most
//! [`MAX_LOOP_DEPTH`] deep, may not `set` inside a loop, and a `set` may not
//! read a variable an earlier `set` assigned — every set value is then built
//! from the context and literals alone, so no chain of them can grow.
use std::collections::HashSet;
use tera::ast::{Expr, ExprVal, FunctionCall, Node};

/// Deepest nesting of `{% for %}` loops (with `range` capped this bounds
/// the iterations of one template).
pub const MAX_LOOP_DEPTH: usize = 2;

/// The first construct of `ast` a user template may not use, as a sentence.
pub fn refused(ast: &[Node]) -> Option<String> {
    let mut walk = Walk::default();
    walk.nodes(ast, 0).err()
}

#[derive(Default)]
struct Walk {
    /// Names assigned by a `set` so far.
    set: HashSet<String>,
}

type Step = Result<(), String>;

fn refuse(what: &str) -> Step {
    Err(format!("{what} is not allowed in Postdesk templates"))
}

impl Walk {
    fn nodes(&mut self, nodes: &[Node], depth: usize) -> Step {
        nodes.iter().try_for_each(|n| self.node(n, depth))
    }

    fn node(&mut self, node: &Node, depth: usize) -> Step {
        match node {
            Node::Include(..) => refuse("`{% include %}`"),
            Node::ImportMacro(..) => refuse("`{% import %}`"),
            Node::Extends(..) => refuse("`{% extends %}`"),
            Node::MacroDefinition(..) => refuse("`{% macro %}`"),
            Node::Super => refuse("`{{ super() }}`"),
            Node::VariableBlock(_, e) => expr(e),
            Node::Set(_, s) if s.global => refuse("`{% set_global %}`"),
            Node::Set(..) if depth > 0 => refuse("`{% set %}` inside a `{% for %}` loop"),
            Node::Set(_, s) => {
                expr(&s.value)?;
                if let Some(name) = reads(&s.value).into_iter().find(|n| self.set.contains(n)) {
                    return Err(format!(
                        "`{{% set {} %}}` reads `{name}`, which an earlier `{{% set %}}` \
                         assigned; build each value from the context and literals only",
                        s.key
                    ));
                }
                self.set.insert(s.key.clone());
                Ok(())
            }
            Node::FilterSection(_, f, _) => {
                call(&f.filter)?;
                self.nodes(&f.body, depth)
            }
            Node::Block(_, b, _) => self.nodes(&b.body, depth),
            Node::Forloop(_, l, _) => {
                if depth + 1 > MAX_LOOP_DEPTH {
                    return Err(format!(
                        "`{{% for %}}` loops may nest at most {MAX_LOOP_DEPTH} deep"
                    ));
                }
                expr(&l.container)?;
                self.nodes(&l.body, depth + 1)?;
                self.nodes(l.empty_body.as_deref().unwrap_or_default(), depth + 1)
            }
            Node::If(i, _) => {
                for (_, cond, body) in &i.conditions {
                    expr(cond)?;
                    self.nodes(body, depth)?;
                }
                match &i.otherwise {
                    Some((_, body)) => self.nodes(body, depth),
                    None => Ok(()),
                }
            }
            Node::Text(_)
            | Node::Raw(..)
            | Node::Break(_)
            | Node::Continue(_)
            | Node::Comment(..) => Ok(()),
        }
    }
}

/// Refuses macro calls anywhere in an expression.
fn expr(e: &Expr) -> Step {
    e.filters.iter().try_for_each(call)?;
    match &e.val {
        ExprVal::MacroCall(m) => {
            refuse(&format!("calling the macro `{}::{}`", m.namespace, m.name))
        }
        ExprVal::FunctionCall(f) => call(f),
        ExprVal::Math(m) => expr(&m.lhs).and(expr(&m.rhs)),
        ExprVal::Logic(l) => expr(&l.lhs).and(expr(&l.rhs)),
        ExprVal::In(i) => expr(&i.lhs).and(expr(&i.rhs)),
        ExprVal::Array(items) => items.iter().try_for_each(expr),
        ExprVal::StringConcat(c) => c
            .values
            .iter()
            .try_for_each(|v| expr(&Expr::new(v.clone()))),
        ExprVal::Test(t) => t.args.iter().try_for_each(expr),
        ExprVal::String(_)
        | ExprVal::Int(_)
        | ExprVal::Float(_)
        | ExprVal::Bool(_)
        | ExprVal::Ident(_) => Ok(()),
    }
}

fn call(f: &FunctionCall) -> Step {
    f.args.values().try_for_each(expr)
}

/// The variables (their first segment: `a` of `a.b[0]`) `e` reads.
fn reads(e: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    collect(e, &mut out);
    out
}

fn collect(e: &Expr, out: &mut Vec<String>) {
    let args = |f: &FunctionCall, out: &mut Vec<String>| {
        f.args.values().for_each(|a| collect(a, out));
    };
    e.filters.iter().for_each(|f| args(f, out));
    match &e.val {
        ExprVal::Ident(name) => out.push(root(name)),
        ExprVal::Test(t) => {
            out.push(root(&t.ident));
            t.args.iter().for_each(|a| collect(a, out));
        }
        ExprVal::FunctionCall(f) => args(f, out),
        ExprVal::MacroCall(m) => m.args.values().for_each(|a| collect(a, out)),
        ExprVal::Math(m) => [&m.lhs, &m.rhs].iter().for_each(|x| collect(x, out)),
        ExprVal::Logic(l) => [&l.lhs, &l.rhs].iter().for_each(|x| collect(x, out)),
        ExprVal::In(i) => [&i.lhs, &i.rhs].iter().for_each(|x| collect(x, out)),
        ExprVal::Array(items) => items.iter().for_each(|x| collect(x, out)),
        ExprVal::StringConcat(c) => {
            for v in &c.values {
                collect(&Expr::new(v.clone()), out);
            }
        }
        ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_) => {}
    }
}

fn root(ident: &str) -> String {
    ident.split(['.', '[']).next().unwrap_or(ident).to_string()
}
