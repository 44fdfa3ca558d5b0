//! A minimal WSDL 1.1 of the simulated service (document/literal, SOAP 1.1 binding), served at
//! `GET …/ServicoNfd.asmx?WSDL` so that tools such as SoapUI can build requests.

/// The WSDL for `namespace`, with the service at `endereco`.
pub(super) fn documento(namespace: &str, endereco: &str) -> String {
    let ns = quick_xml::escape::escape(namespace);
    let endereco = quick_xml::escape::escape(endereco);
    let operacoes = ["EnviarNota", "EnviarNotaRetornaurlNota"];
    let mut tipos = String::new();
    let mut mensagens = String::new();
    let mut porta = String::new();
    let mut ligacao = String::new();
    for op in operacoes {
        tipos.push_str(&elementos(op));
        mensagens.push_str(&format!(
            "<wsdl:message name=\"{op}SoapIn\"><wsdl:part name=\"parameters\" element=\"tns:{op}\"/></wsdl:message>\n\
             <wsdl:message name=\"{op}SoapOut\"><wsdl:part name=\"parameters\" element=\"tns:{op}Response\"/></wsdl:message>\n"
        ));
        porta.push_str(&format!(
            "<wsdl:operation name=\"{op}\"><wsdl:input message=\"tns:{op}SoapIn\"/>\
             <wsdl:output message=\"tns:{op}SoapOut\"/></wsdl:operation>\n"
        ));
        ligacao.push_str(&format!(
            "<wsdl:operation name=\"{op}\"><soap:operation soapAction=\"{ns}{op}\" style=\"document\"/>\
             <wsdl:input><soap:body use=\"literal\"/></wsdl:input>\
             <wsdl:output><soap:body use=\"literal\"/></wsdl:output></wsdl:operation>\n"
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <wsdl:definitions xmlns:wsdl=\"http://schemas.xmlsoap.org/wsdl/\" \
         xmlns:soap=\"http://schemas.xmlsoap.org/wsdl/soap/\" \
         xmlns:s=\"http://www.w3.org/2001/XMLSchema\" xmlns:tns=\"{ns}\" targetNamespace=\"{ns}\">\n\
         <wsdl:types><s:schema elementFormDefault=\"qualified\" targetNamespace=\"{ns}\">\n{tipos}</s:schema></wsdl:types>\n\
         {mensagens}\
         <wsdl:portType name=\"ServicoNfdSoap\">\n{porta}</wsdl:portType>\n\
         <wsdl:binding name=\"ServicoNfdSoap\" type=\"tns:ServicoNfdSoap\">\
         <soap:binding transport=\"http://schemas.xmlsoap.org/soap/http\"/>\n{ligacao}</wsdl:binding>\n\
         <wsdl:service name=\"ServicoNfd\"><wsdl:port name=\"ServicoNfdSoap\" binding=\"tns:ServicoNfdSoap\">\
         <soap:address location=\"{endereco}\"/></wsdl:port></wsdl:service>\n\
         </wsdl:definitions>\n"
    )
}

/// The request and reply elements of one operation (`codPrefeitura` is an `int`).
fn elementos(op: &str) -> String {
    format!(
        "<s:element name=\"{op}\"><s:complexType><s:sequence>\
         <s:element minOccurs=\"1\" maxOccurs=\"1\" name=\"codPrefeitura\" type=\"s:int\"/>\
         <s:element minOccurs=\"0\" maxOccurs=\"1\" name=\"notaFiscal\" type=\"s:string\"/>\
         <s:element minOccurs=\"0\" maxOccurs=\"1\" name=\"cnpjPrestador\" type=\"s:string\"/>\
         <s:element minOccurs=\"0\" maxOccurs=\"1\" name=\"senhaNFD\" type=\"s:string\"/>\
         </s:sequence></s:complexType></s:element>\n\
         <s:element name=\"{op}Response\"><s:complexType><s:sequence>\
         <s:element minOccurs=\"0\" maxOccurs=\"1\" name=\"{op}Result\" type=\"s:string\"/>\
         </s:sequence></s:complexType></s:element>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wsdl_is_well_formed_and_names_both_actions() {
        let w = documento(
            "http://brgov.com.br/",
            "http://127.0.0.1:1/wsnfd/ServicoNfd.asmx",
        );
        let mut r = quick_xml::Reader::from_str(&w);
        loop {
            match r.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("WSDL malformado: {e}"),
            }
        }
        assert!(w.contains("soapAction=\"http://brgov.com.br/EnviarNota\""));
        assert!(w.contains("soapAction=\"http://brgov.com.br/EnviarNotaRetornaurlNota\""));
    }
}
