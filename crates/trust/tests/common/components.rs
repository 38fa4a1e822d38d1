//! Components for inspect's tests and fuzz seeds: hand-written ones that
//! reach each way a component's index spaces grow, and a generator of valid
//! components (with byte-level mutations of them).

/// Instance types reached through type definitions, outer aliases inside an
/// instance type, aliases of instance exports (instances and types), type
/// imports, bags of exports and an ascribed export.
pub const INSTANCES: &str = r#"
(component
  (type $f (func))
  (type $inner (instance (export "x" (func)) (export "y" (func))))
  (type $outer (instance
    (alias outer 1 $f (type $g))
    (export "a" (func (type $g)))
    (export "b" (func (type $g)))
    (alias outer 1 $inner (type $in))
    (export "sub" (instance (type $in)))
    (export "t" (type (sub resource)))
    (export "u" (type (eq $g)))
    (type $deep (instance (export "d" (func)) (export "e" (func)) (export "f" (func))))
    (export "w" (type (eq $deep)))
  ))
  (import "wasi:webgpu/webgpu@0.3.0-rc.2" (instance $gpu (type $outer)))
  (alias export $gpu "sub" (instance $sub))
  (alias export $gpu "a" (func $a))
  (alias export $gpu "w" (type $w))
  (import "via-alias" (instance $p (type $w)))
  (import "t" (type $t (eq $inner)))
  (import "ns:pkg/via-import@1.0.0" (instance (type $t)))
  (import "one" (func $one (type $f)))
  (export "sub" (instance $sub))
  (instance $bag (export "p" (func $a)) (export "q" (func $one)) (export "r" (func $a))
    (export "s" (instance $sub)))
  (export "ns:pkg/bag@1.0.0" (instance $bag))
  (export "ascribed" (instance $bag) (instance (export "p" (func))))
  (export "f" (func $a))
  (export "ty" (type $w))
)"#;

/// Instances of an imported component and of nested components (one with a
/// lifted function, one importing an instance of an outer-aliased type),
/// exports of components, values and an imported core module.
pub const COMPONENTS: &str = r#"
(component
  (type $shared (instance (export "q" (func))))
  (import "c" (component $c
    (export "h" (func))
    (export "k" (instance (export "z" (func)) (export "zz" (func))))
  ))
  (instance $ci (instantiate $c))
  (alias export $ci "k" (instance $k))
  (export "k2" (instance $k))
  (export "ci" (instance $ci))
  (export "cc" (component $c))
  (component $inner
    (core module $m (func (export "f")))
    (core instance $mi (instantiate $m))
    (type $ft (func))
    (alias core export $mi "f" (core func $cf))
    (func $f (type $ft) (canon lift (core func $cf)))
    (instance $e (export "f" (func $f)) (export "g" (func $f)))
    (export "e" (instance $e))
    (export "f" (func $f))
    (component $deeper
      (alias outer 2 $shared (type $s))
      (import "i" (instance $ii (type $s)))
      (export "o" (instance $ii))
    )
    (export "deeper" (component $deeper))
  )
  (instance $x (instantiate $inner))
  (alias export $x "e" (instance $e))
  (export "wasi:cli/run@0.2.0" (instance $e))
  (export "x" (instance $x))
  (export "inner" (component $inner))
  (alias export $x "f" (func $xf))
  (export "run" (func $xf))
  (alias export $x "deeper" (component $deeper))
  (instance $arg (export "q" (func $xf)))
  (instance $d (instantiate $deeper (with "i" (instance $arg))))
  (alias export $d "o" (instance $o))
  (export "o" (instance $o))
  (import "v" (value $v u32))
  (export "v2" (value $v))
  (import "m" (core module))
)"#;

/// A valid component on which wasmparser 0.247's validator panics
/// (`assertion failed: prev.is_none()` in `register_type_renamings`): an
/// instance type with two `(eq T)` exports of one type, passed as an
/// instantiation argument. Fixed in later wasmparser releases.
pub const VALIDATOR_0_247_PANICS: &str = r#"
(component
  (type (instance (type (func)) (export "e0" (type (eq 0))) (export "e1" (type (eq 0)))))
  (import "i" (instance (type 0)))
  (component
    (alias outer 1 0 (type))
    (import "in" (instance (type 0))))
  (instance (instantiate 0 (with "in" (instance 0))))
)
"#;

/// A type section holding one component type nested `depth` deep.
pub fn nested_component_type(depth: usize) -> Vec<u8> {
    let mut ty = Vec::new();
    for _ in 0..depth {
        ty.extend_from_slice(&[0x41, 0x01, 0x01]); // component type, 1 decl, a type:
    }
    ty.extend_from_slice(&[0x41, 0x00]); // an empty component type
    let mut section = vec![0x01]; // one type
    section.extend_from_slice(&ty);
    let mut file = b"\0asm\x0d\x00\x01\x00".to_vec();
    file.push(0x07);
    leb(&mut file, section.len());
    file.extend_from_slice(&section);
    file
}

pub fn leb(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Generated components: a random sequence of steps, each its own section,
/// tracking the index spaces so every component is valid by construction.
pub mod gen {
    use std::rc::Rc;

    use wasm_encoder::{
        Alias, CanonicalFunctionSection, CodeSection, Component, ComponentAliasSection,
        ComponentExportKind, ComponentExportSection, ComponentImportSection,
        ComponentInstanceSection, ComponentOuterAliasKind, ComponentType, ComponentTypeRef,
        ComponentTypeSection, ComponentValType, CoreTypeSection, ExportKind, ExportSection,
        Function, FunctionSection, InstanceSection, InstanceType, Instruction, Module,
        ModuleSection, ModuleType, NestedComponentSection, PrimitiveValType, TypeBounds,
        TypeSection,
    };

    type Exports = Vec<(String, Ent)>;

    #[derive(Clone, Debug)]
    enum Ty {
        Func,
        Inst(Rc<Exports>),
        Comp(Rc<Exports>),
        Resource,
        Value,
    }

    #[derive(Clone, Debug)]
    enum Ent {
        Func,
        Inst(Rc<Exports>),
        Comp(Rc<Exports>),
        Type(Ty),
    }

    /// Choices, read in order; zeros once used up.
    pub struct Tape<'a> {
        choices: &'a [u16],
        at: usize,
    }

    impl<'a> Tape<'a> {
        pub fn new(choices: &'a [u16]) -> Self {
            Tape { choices, at: 0 }
        }

        fn pick(&mut self, n: usize) -> usize {
            let c = self.choices.get(self.at).copied().unwrap_or(0);
            self.at += 1;
            if n == 0 {
                0
            } else {
                usize::from(c) % n
            }
        }

        fn coin(&mut self) -> bool {
            self.pick(2) == 1
        }

        fn done(&self) -> bool {
            self.at >= self.choices.len()
        }
    }

    /// A declaration of an instance or component type.
    enum Decl {
        FuncType,
        InstType(Vec<Decl>),
        CompType(Vec<Decl>),
        AliasOuter(u32),
        Export(String, ComponentTypeRef),
    }

    fn func_type(t: wasm_encoder::ComponentTypeEncoder<'_>) {
        t.function()
            .params(Vec::<(&str, ComponentValType)>::new())
            .result(None);
    }

    fn instance_type(decls: &[Decl]) -> InstanceType {
        let mut it = InstanceType::new();
        for d in decls {
            match d {
                Decl::FuncType => func_type(it.ty()),
                Decl::InstType(inner) => it.ty().instance(&instance_type(inner)),
                Decl::CompType(inner) => it.ty().component(&component_type(inner)),
                Decl::AliasOuter(index) => {
                    it.alias(Alias::Outer {
                        kind: ComponentOuterAliasKind::Type,
                        count: 1,
                        index: *index,
                    });
                }
                Decl::Export(name, ty) => {
                    it.export(name, *ty);
                }
            }
        }
        it
    }

    fn component_type(decls: &[Decl]) -> ComponentType {
        let mut ct = ComponentType::new();
        for d in decls {
            match d {
                Decl::FuncType => func_type(ct.ty()),
                Decl::InstType(inner) => ct.ty().instance(&instance_type(inner)),
                Decl::CompType(inner) => ct.ty().component(&component_type(inner)),
                Decl::AliasOuter(index) => {
                    ct.alias(Alias::Outer {
                        kind: ComponentOuterAliasKind::Type,
                        count: 1,
                        index: *index,
                    });
                }
                Decl::Export(name, ty) => {
                    ct.export(name, *ty);
                }
            }
        }
        ct
    }

    /// The exports of an instance or component type, and its declarations.
    /// `outer` are the enclosing component's types (for outer aliases).
    fn interface(t: &mut Tape, depth: u32, outer: &[(Ty, bool)]) -> (Vec<Decl>, Exports) {
        let mut decls = Vec::new();
        let mut exports = Vec::new();
        let mut types = 0u32;
        let mut func: Option<u32> = None;
        // wasmparser 0.247's validator panics on two `(eq T)` exports of one
        // type in an instantiation argument's type (see `wasmparser_0_247_…`).
        let mut eq_export = false;
        let mut func_type_index = |t: &mut Tape, decls: &mut Vec<Decl>, types: &mut u32| {
            if let Some(f) = func {
                return f;
            }
            let outer_funcs: Vec<u32> = (0..outer.len())
                .filter(|&i| matches!(outer[i].0, Ty::Func))
                .map(|i| i as u32)
                .collect();
            if !outer_funcs.is_empty() && t.coin() {
                decls.push(Decl::AliasOuter(outer_funcs[t.pick(outer_funcs.len())]));
            } else {
                decls.push(Decl::FuncType);
            }
            *types += 1;
            func = Some(*types - 1);
            *types - 1
        };
        for k in 0..t.pick(6) {
            let name = format!("e{k}");
            match t.pick(12) {
                6 | 7 if depth > 0 => {
                    let outer_insts: Vec<(u32, Rc<Exports>)> = outer
                        .iter()
                        .enumerate()
                        .filter_map(|(i, (ty, defined))| match ty {
                            Ty::Inst(e) if *defined => Some((i as u32, e.clone())),
                            _ => None,
                        })
                        .collect();
                    let sub = if !outer_insts.is_empty() && t.coin() {
                        let (i, e) = outer_insts[t.pick(outer_insts.len())].clone();
                        decls.push(Decl::AliasOuter(i));
                        e
                    } else {
                        let (inner, e) = interface(t, depth - 1, &[]);
                        decls.push(Decl::InstType(inner));
                        Rc::new(e)
                    };
                    types += 1;
                    decls.push(Decl::Export(
                        name.clone(),
                        ComponentTypeRef::Instance(types - 1),
                    ));
                    exports.push((name, Ent::Inst(sub)));
                }
                8 => {
                    decls.push(Decl::Export(
                        name.clone(),
                        ComponentTypeRef::Type(TypeBounds::SubResource),
                    ));
                    types += 1;
                    exports.push((name, Ent::Type(Ty::Resource)));
                }
                9 if !eq_export => {
                    eq_export = true;
                    let f = func_type_index(t, &mut decls, &mut types);
                    decls.push(Decl::Export(
                        name.clone(),
                        ComponentTypeRef::Type(TypeBounds::Eq(f)),
                    ));
                    types += 1;
                    exports.push((name, Ent::Type(Ty::Func)));
                }
                10 if depth > 0 => {
                    let (inner, e) = interface(t, depth - 1, &[]);
                    decls.push(Decl::CompType(inner));
                    types += 1;
                    decls.push(Decl::Export(
                        name.clone(),
                        ComponentTypeRef::Component(types - 1),
                    ));
                    exports.push((name, Ent::Comp(Rc::new(e))));
                }
                _ => {
                    let f = func_type_index(t, &mut decls, &mut types);
                    decls.push(Decl::Export(name.clone(), ComponentTypeRef::Func(f)));
                    exports.push((name, Ent::Func));
                }
            }
        }
        (decls, exports)
    }

    /// One component being generated: its index spaces as far as needed.
    #[derive(Default)]
    struct State {
        /// Types, and whether they come from a type definition (free of
        /// outside resources, so nested components may alias them).
        types: Vec<(Ty, bool)>,
        /// Instances, with the type index they were imported with.
        instances: Vec<(Rc<Exports>, Option<u32>)>,
        /// Components, with the outer type of the instance a nested one
        /// imports as `in` (then instantiating it passes such an instance).
        components: Vec<(Rc<Exports>, Option<u32>)>,
        funcs: u32,
        values: u32,
        core_modules: u32,
        core_instances: u32,
        core_funcs: u32,
        core_types: u32,
        names: u32,
        exports: Exports,
        /// A nested component imports nothing but `in`, so that it can be
        /// instantiated.
        nested: bool,
    }

    impl State {
        fn name(&mut self, t: &mut Tape, label: &str) -> String {
            self.names += 1;
            let n = self.names;
            match t.pick(4) {
                0 => format!("ns:p{n}/{label}{n}@1.{n}.0"),
                1 => format!("ns:p{n}/{label}{n}"),
                _ => format!("{label}{n}"),
            }
        }

        fn types_where(&self, f: impl Fn(&Ty, bool) -> bool) -> Vec<u32> {
            (0..self.types.len())
                .filter(|&i| f(&self.types[i].0, self.types[i].1))
                .map(|i| i as u32)
                .collect()
        }

        /// The components that import nothing.
        fn free_components(&self) -> Vec<usize> {
            (0..self.components.len())
                .filter(|&i| self.components[i].1.is_none())
                .collect()
        }

        /// A core function `f: [] -> []`, lifted to a component function.
        fn lift(&mut self, c: &mut Component) {
            let mut m = Module::new();
            let mut types = TypeSection::new();
            types.ty().function([], []);
            m.section(&types);
            let mut funcs = FunctionSection::new();
            funcs.function(0);
            m.section(&funcs);
            let mut exports = ExportSection::new();
            exports.export("f", ExportKind::Func, 0);
            m.section(&exports);
            let mut code = CodeSection::new();
            let mut body = Function::new([]);
            body.instruction(&Instruction::End);
            code.function(&body);
            m.section(&code);
            c.section(&ModuleSection(&m));
            self.core_modules += 1;
            let mut inst = InstanceSection::new();
            inst.instantiate(
                self.core_modules - 1,
                Vec::<(&str, wasm_encoder::ModuleArg)>::new(),
            );
            c.section(&inst);
            self.core_instances += 1;
            let mut alias = ComponentAliasSection::new();
            alias.alias(Alias::CoreInstanceExport {
                instance: self.core_instances - 1,
                kind: ExportKind::Func,
                name: "f",
            });
            c.section(&alias);
            self.core_funcs += 1;
            let mut ty = ComponentTypeSection::new();
            func_type(ty.ty());
            c.section(&ty);
            self.types.push((Ty::Func, true));
            let mut canon = CanonicalFunctionSection::new();
            canon.lift(
                self.core_funcs - 1,
                self.types.len() as u32 - 1,
                Vec::<wasm_encoder::CanonicalOption>::new(),
            );
            c.section(&canon);
            self.funcs += 1;
        }

        fn step(&mut self, t: &mut Tape, c: &mut Component, depth: u32) {
            match t.pick(12) {
                // A type definition.
                0 | 1 => {
                    let mut s = ComponentTypeSection::new();
                    let outer_now = self.types.clone();
                    match t.pick(5) {
                        0 => {
                            func_type(s.ty());
                            self.types.push((Ty::Func, true));
                        }
                        1 => {
                            s.defined_type().list(PrimitiveValType::U32);
                            self.types.push((Ty::Value, true));
                        }
                        2 => {
                            let (decls, e) = interface(t, 2, &outer_now);
                            s.component(&component_type(&decls));
                            self.types.push((Ty::Comp(Rc::new(e)), true));
                        }
                        _ => {
                            let (decls, e) = interface(t, 2, &outer_now);
                            s.instance(&instance_type(&decls));
                            self.types.push((Ty::Inst(Rc::new(e)), true));
                        }
                    }
                    c.section(&s);
                }
                // An import.
                2 | 3 if !self.nested => {
                    let name = self.name(t, "i");
                    let mut s = ComponentImportSection::new();
                    match t.pick(7) {
                        0 => {
                            let funcs = self.types_where(|ty, _| matches!(ty, Ty::Func));
                            if funcs.is_empty() {
                                return;
                            }
                            s.import(&name, ComponentTypeRef::Func(funcs[t.pick(funcs.len())]));
                            self.funcs += 1;
                        }
                        1 => {
                            let comps = self.types_where(|ty, _| matches!(ty, Ty::Comp(_)));
                            if comps.is_empty() {
                                return;
                            }
                            let i = comps[t.pick(comps.len())];
                            let Ty::Comp(e) = self.types[i as usize].0.clone() else {
                                unreachable!()
                            };
                            s.import(&name, ComponentTypeRef::Component(i));
                            self.components.push((e, None));
                        }
                        2 => {
                            // Not a resource: it may be one this component
                            // defines (by instantiation), which no import may name.
                            let types = self.types_where(|ty, _| !matches!(ty, Ty::Resource));
                            if types.is_empty() {
                                return;
                            }
                            let i = types[t.pick(types.len())];
                            s.import(&name, ComponentTypeRef::Type(TypeBounds::Eq(i)));
                            let ty = self.types[i as usize].0.clone();
                            self.types.push((ty, false));
                        }
                        3 => {
                            s.import(&name, ComponentTypeRef::Type(TypeBounds::SubResource));
                            self.types.push((Ty::Resource, false));
                        }
                        4 => {
                            // A value must be used once: export it right away.
                            s.import(
                                &name,
                                ComponentTypeRef::Value(ComponentValType::Primitive(
                                    PrimitiveValType::U32,
                                )),
                            );
                            c.section(&s);
                            self.values += 1;
                            let export = self.name(t, "v");
                            let mut x = ComponentExportSection::new();
                            x.export(&export, ComponentExportKind::Value, self.values - 1, None);
                            c.section(&x);
                            self.values += 1;
                            return;
                        }
                        5 => {
                            let mut ct = CoreTypeSection::new();
                            ct.ty().module(&ModuleType::new());
                            c.section(&ct);
                            self.core_types += 1;
                            s.import(&name, ComponentTypeRef::Module(self.core_types - 1));
                            self.core_modules += 1;
                        }
                        _ => {
                            let insts = self.types_where(|ty, _| matches!(ty, Ty::Inst(_)));
                            if insts.is_empty() {
                                return;
                            }
                            let i = insts[t.pick(insts.len())];
                            let Ty::Inst(e) = self.types[i as usize].0.clone() else {
                                unreachable!()
                            };
                            s.import(&name, ComponentTypeRef::Instance(i));
                            self.instances.push((e, Some(i)));
                        }
                    }
                    c.section(&s);
                }
                // An alias of an instance's export.
                4 | 5 => {
                    let with_exports: Vec<usize> = (0..self.instances.len())
                        .filter(|&i| !self.instances[i].0.is_empty())
                        .collect();
                    if with_exports.is_empty() {
                        return;
                    }
                    let i = with_exports[t.pick(with_exports.len())];
                    let exports = self.instances[i].0.clone();
                    let (name, ent) = &exports[t.pick(exports.len())];
                    let kind = match ent {
                        Ent::Func => {
                            self.funcs += 1;
                            ComponentExportKind::Func
                        }
                        Ent::Inst(e) => {
                            self.instances.push((e.clone(), None));
                            ComponentExportKind::Instance
                        }
                        Ent::Comp(e) => {
                            self.components.push((e.clone(), None));
                            ComponentExportKind::Component
                        }
                        Ent::Type(ty) => {
                            self.types.push((ty.clone(), false));
                            ComponentExportKind::Type
                        }
                    };
                    let mut s = ComponentAliasSection::new();
                    s.alias(Alias::InstanceExport {
                        instance: i as u32,
                        kind,
                        name,
                    });
                    c.section(&s);
                }
                // A bag of exports.
                6 => {
                    let mut items: Vec<(String, ComponentExportKind, u32)> = Vec::new();
                    let mut exports = Exports::new();
                    for k in 0..t.pick(5) {
                        let name = format!("b{k}");
                        match t.pick(4) {
                            0 if !self.instances.is_empty() => {
                                let i = t.pick(self.instances.len());
                                items.push((name.clone(), ComponentExportKind::Instance, i as u32));
                                exports.push((name, Ent::Inst(self.instances[i].0.clone())));
                            }
                            1 if !self.free_components().is_empty() => {
                                let free = self.free_components();
                                let i = free[t.pick(free.len())];
                                items.push((
                                    name.clone(),
                                    ComponentExportKind::Component,
                                    i as u32,
                                ));
                                exports.push((name, Ent::Comp(self.components[i].0.clone())));
                            }
                            _ if self.funcs > 0 => {
                                let f = t.pick(self.funcs as usize) as u32;
                                items.push((name.clone(), ComponentExportKind::Func, f));
                                exports.push((name, Ent::Func));
                            }
                            _ => {}
                        }
                    }
                    let mut s = ComponentInstanceSection::new();
                    s.export_items(items.iter().map(|(n, k, i)| (n.as_str(), *k, *i)));
                    c.section(&s);
                    self.instances.push((Rc::new(exports), None));
                }
                // An instantiation.
                7 => {
                    if self.components.is_empty() {
                        return;
                    }
                    let i = t.pick(self.components.len());
                    let (exports, needs) = self.components[i].clone();
                    let args: Vec<(&str, ComponentExportKind, u32)> = match needs {
                        None => Vec::new(),
                        Some(ty) => {
                            match self
                                .instances
                                .iter()
                                .position(|(_, from)| *from == Some(ty))
                            {
                                Some(arg) => {
                                    vec![("in", ComponentExportKind::Instance, arg as u32)]
                                }
                                None => return,
                            }
                        }
                    };
                    let mut s = ComponentInstanceSection::new();
                    s.instantiate(i as u32, args);
                    c.section(&s);
                    self.instances.push((exports, None));
                }
                // An export.
                8 | 9 => {
                    let name = self.name(t, "x");
                    let mut s = ComponentExportSection::new();
                    match t.pick(4) {
                        0 if self.funcs > 0 => {
                            let f = t.pick(self.funcs as usize) as u32;
                            s.export(&name, ComponentExportKind::Func, f, None);
                            self.funcs += 1;
                            self.exports.push((name, Ent::Func));
                        }
                        1 if !self.free_components().is_empty() => {
                            // Only import-free components: who instantiates
                            // an exported one passes no arguments.
                            let free = self.free_components();
                            let i = free[t.pick(free.len())];
                            s.export(&name, ComponentExportKind::Component, i as u32, None);
                            let comp = self.components[i].clone();
                            self.exports.push((name, Ent::Comp(comp.0.clone())));
                            self.components.push(comp);
                        }
                        2 => {
                            let types =
                                self.types_where(|ty, _| matches!(ty, Ty::Func | Ty::Value));
                            if types.is_empty() {
                                return;
                            }
                            let i = types[t.pick(types.len())];
                            s.export(&name, ComponentExportKind::Type, i, None);
                            let ty = self.types[i as usize].0.clone();
                            self.exports.push((name, Ent::Type(ty.clone())));
                            self.types.push((ty, false));
                        }
                        _ if !self.instances.is_empty() => {
                            let i = t.pick(self.instances.len());
                            let mut exports = self.instances[i].0.clone();
                            let funcs: Vec<&(String, Ent)> = exports
                                .iter()
                                .filter(|(_, e)| matches!(e, Ent::Func))
                                .collect();
                            let mut ascribed = None;
                            if !funcs.is_empty() && t.coin() {
                                // Ascribe a supertype: a prefix of its functions.
                                let keep: Exports = funcs[..t.pick(funcs.len() + 1)]
                                    .iter()
                                    .map(|(n, e)| (n.clone(), e.clone()))
                                    .collect();
                                let mut decls = vec![Decl::FuncType];
                                for (n, _) in &keep {
                                    decls.push(Decl::Export(n.clone(), ComponentTypeRef::Func(0)));
                                }
                                let mut ty = ComponentTypeSection::new();
                                ty.instance(&instance_type(&decls));
                                c.section(&ty);
                                exports = Rc::new(keep);
                                self.types.push((Ty::Inst(exports.clone()), true));
                                ascribed =
                                    Some(ComponentTypeRef::Instance(self.types.len() as u32 - 1));
                            }
                            s.export(&name, ComponentExportKind::Instance, i as u32, ascribed);
                            self.exports.push((name, Ent::Inst(exports.clone())));
                            self.instances.push((exports, None));
                        }
                        _ => return,
                    }
                    c.section(&s);
                }
                // A lifted function.
                10 => self.lift(c),
                // A nested component.
                _ => {
                    if depth == 0 {
                        return;
                    }
                    let mut inner = State {
                        nested: true,
                        ..State::default()
                    };
                    let mut nested = Component::new();
                    let mut needs = None;
                    let defined = self.types_where(|ty, d| d && matches!(ty, Ty::Inst(_)));
                    if !defined.is_empty() && t.coin() {
                        // Import an instance of an outer-aliased type.
                        let ty = defined[t.pick(defined.len())];
                        let mut a = ComponentAliasSection::new();
                        a.alias(Alias::Outer {
                            kind: ComponentOuterAliasKind::Type,
                            count: 1,
                            index: ty,
                        });
                        nested.section(&a);
                        inner.types.push((self.types[ty as usize].0.clone(), false));
                        let mut s = ComponentImportSection::new();
                        s.import("in", ComponentTypeRef::Instance(0));
                        nested.section(&s);
                        let Ty::Inst(e) = self.types[ty as usize].0.clone() else {
                            unreachable!()
                        };
                        inner.instances.push((e, None));
                        inner.names = 1;
                        needs = Some(ty);
                    }
                    for _ in 0..t.pick(10) {
                        inner.step(t, &mut nested, depth - 1);
                    }
                    c.section(&NestedComponentSection(&nested));
                    self.components.push((Rc::new(inner.exports), needs));
                }
            }
        }
    }

    /// A fixed pseudo-random tape of `len` choices.
    pub fn tape(seed: u64, len: usize) -> Vec<u16> {
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u16
            })
            .collect()
    }

    /// A component from the tape.
    pub fn component(t: &mut Tape) -> Vec<u8> {
        let mut state = State::default();
        let mut c = Component::new();
        while !t.done() {
            state.step(t, &mut c, 2);
        }
        c.finish()
    }
}

/// Byte-level mutations: flip, set, truncate, delete, insert, duplicate.
pub fn mutate(mut bytes: Vec<u8>, edits: &[(u8, u32, u8)]) -> Vec<u8> {
    for &(op, at, value) in edits {
        if bytes.is_empty() {
            break;
        }
        let at = at as usize % bytes.len();
        match op % 6 {
            0 => bytes[at] ^= 1 << (value % 8),
            1 => bytes[at] = value,
            2 => bytes.truncate(at),
            3 => {
                let end = (at + 1 + usize::from(value % 4)).min(bytes.len());
                bytes.drain(at..end);
            }
            4 => bytes.insert(at, value),
            _ => {
                let end = (at + 1 + usize::from(value)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
        }
    }
    bytes
}
