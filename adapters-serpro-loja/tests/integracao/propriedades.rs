//! The DTO readers never panic, whatever JSON (or text) comes back.

use guiche_domain::Documento;
use guiche_loja::{ler_cnd, ler_cnpj, ler_cpf};
use guiche_ports::consulta::NivelCnpj;
use proptest::prelude::*;
use serde_json::Value;

fn json() -> impl Strategy<Value = Value> {
    let folha = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[a-zA-Z0-9 /.-]{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "40442820135",
            "34238864000168",
            "140712001",
            "Negativa",
            "2"
        ])
        .prop_map(Value::from),
    ];
    let chaves = prop::sample::select(vec![
        "ni",
        "nome",
        "situacao",
        "codigo",
        "descricao",
        "nascimento",
        "obito",
        "dataInscricao",
        "nomeEmpresarial",
        "situacaoCadastral",
        "socios",
        "endereco",
        "municipio",
        "uf",
        "cpf",
        "Certidao",
        "TipoCertidao",
        "DataValidade",
        "Mensagem",
        "x",
    ]);
    folha.prop_recursive(4, 48, 6, move |interno| {
        prop_oneof![
            prop::collection::vec(interno.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((chaves.clone(), interno), 0..8).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #[test]
    fn the_readers_never_panic_on_arbitrary_json(v in json()) {
        let corpo = v.to_string();
        let doc = Documento::parse("34238864000168").unwrap();
        let _ = ler_cpf(&corpo, false);
        let _ = ler_cnd(&corpo, &doc);
        for nivel in [NivelCnpj::Basica, NivelCnpj::Qsa, NivelCnpj::Empresa] {
            let _ = ler_cnpj(&corpo, nivel, true);
        }
    }

    #[test]
    fn the_readers_never_panic_on_arbitrary_text(t in ".{0,64}") {
        // Text that is not a JSON object is an error, never a record.
        let objeto = t.trim_start().starts_with(char::from(b'{'));
        prop_assert!(objeto || ler_cpf(&t, false).is_err());
        let _ = ler_cnpj(&t, NivelCnpj::Basica, false);
    }
}
