//! SERPRO Integra Contador's typed services (with billing and the e-CAC registration of what
//! they return), the procurador sign-in, and Conecta gov.br.
