//! # guiche-store
//!
//! The ledger: an embedded SQLite database (file from `GUICHE_DB`) that remembers every nota
//! number reserved and the exact payload sent, so that a number is never skipped or reused and
//! a nota is never issued twice, through timeouts, resets and crashes. [`Livro`] implements
//! the port [`guiche_ports::livro::LivroNotas`], [`guiche_ports::contabil::LivroPacotes`]
//! for the CONAM packages sent (see [Packages](#packages)),
//! [`guiche_ports::bilhetagem::MedidorBilhetagem`] for billed calls, and
//! [`guiche_ports::ecac::LivroEcac`] for the e-CAC reconciliation of DARF and DAS (see
//! [e-CAC](#e-cac)), [`guiche_ports::acesso::LivroAcesso`] for the API's tokens (`tokens`,
//! migration 0009: only the SHA-256 of each secret) and
//! [`guiche_ports::idempotencia::LivroIdempotencia`] for its `Idempotency-Key`s
//! (`idempotencia`, migration 0010) and [`guiche_ports::usuarios::LivroUsuarios`] for the web
//! pages' users and sessions (`usuarios`, `sessoes`, migration 0012: argon2id hashes, session
//! secrets by SHA-256); every method is one transaction.
//!
//! ```
//! use guiche_domain::{Data, Documento};
//! use guiche_ports::livro::{Estado, LivroNotas, Pedido, Sequencia};
//! use guiche_store::Livro;
//!
//! let livro = Livro::em_memoria()?;
//! let sequencia = Sequencia {
//!     prestador: Documento::parse("11.222.333/0001-81")?,
//!     prefeitura: "0044".to_owned(), // Piracaia/SP: leading zeros are part of the code
//! };
//! let pedido = Pedido {
//!     sequencia: &sequencia,
//!     numero: None, // the next one
//!     data: Data::new(2026, 7, 20)?,
//!     conteudo: "sha256-of-the-nota-without-its-number",
//! };
//! // The number and the exact document built for it are recorded together, marked sent: the
//! // caller sends it right after.
//! let nota = livro.reservar(pedido, &|n| format!("<NOTA><NUMERO_NOTA>{n}</NUMERO_NOTA></NOTA>"))?;
//! assert_eq!((nota.numero, &nota.estado), (1, &Estado::Enviada));
//!
//! // Then the answer: each change names the state it expects to find (another process may
//! // have moved the nota meanwhile).
//! let aceita = Estado::Aceita { codigo: Some("ABC123".to_owned()) };
//! livro.registrar(nota.id, &Estado::Enviada, &aceita)?;
//!
//! let ultima = livro.ultima(&sequencia)?.expect("one nota");
//! assert_eq!(ultima.documento, "<NOTA><NUMERO_NOTA>1</NUMERO_NOTA></NOTA>");
//! assert!(livro.pendentes(&sequencia)?.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Numbering
//!
//! One sequence per provider and municipality ([`Sequencia`](guiche_ports::livro::Sequencia);
//! `"0044"` and `"44"` are different municipalities). The next number is the highest one held
//! by a live (not refused) nota plus one, and a nota asking for a number must ask for that one.
//! A sequence with no live nota starts at the number asked for (the service's sequence may
//! have begun outside the guichê), or at 1. A refused nota gives its number back; every other
//! state keeps it. While a nota of the sequence is reserved, sent or unknown, no other is
//! reserved: it must be settled first, by sending the same recorded document again.
//!
//! ## Durability
//!
//! Every write returns only once its transaction is on disk, so neither a crash of the process
//! (panic, `kill -9`, out of memory) nor a power loss or OS crash loses a committed reservation
//! or state change, and a transaction cut in the middle leaves no trace. This matters for one
//! commit above all: the nota is reserved already marked *sent*, in a commit made before its
//! request leaves, so after any failure the ledger knows the request may have been received, and
//! the next send settles it with the service's duplicate reply instead of treating that reply
//! as a number used outside guichê. A settled nota (accepted, refused, or its number found used
//! outside guichê) never changes state again.
//!
//! The file runs in WAL mode. Instead of one flush per commit (`synchronous=FULL`), commits
//! write the WAL (`synchronous=NORMAL`) and each writer then waits, outside the connection's
//! lock, for a flush of the WAL started after its commit: writers that commit while a flush
//! runs share the next one (group commit; see `duravel.rs`). Eight sequences of a batch issuing
//! at once share one `fsync` (see BENCHMARKS.md).
//!
//! Several processes may share one file: writes take SQLite's write lock first
//! (`BEGIN IMMEDIATE`) and wait up to 30 s (`busy_timeout`) for it. Beyond single
//! transactions, one process at a time works on a sequence (reserve, send, record): it holds
//! the sequence's turn ([`LivroNotas::fila`](guiche_ports::livro::LivroNotas::fila)), an
//! advisory lock on a file in `<ledger>.travas/` that the operating system releases when the
//! process ends, however it ends; a process that just had a turn lets a waiting one go first.
//! Every state change is a compare-and-set on the state the caller read. The file must be on a
//! local disk (WAL needs shared memory between the processes): on Linux, a folder on a network
//! file system (NFS, SMB/CIFS, …) or a FUSE one (sshfs, rclone, …) is refused on open, naming
//! the file system.
//!
//! The ledger holds CPFs, CNPJs, invoices and guides (LGPD): the folders it creates are `0700`,
//! the file `0600` (and SQLite gives its `-wal` and `-shm` the same mode).
//!
//! ## Schema
//!
//! Versioned migrations in `migrations/NNNN_*.sql`, embedded in the binary, applied in order in
//! one transaction and tracked by `PRAGMA user_version` ([`VERSAO_ESQUEMA`]). A file written by
//! a newer guichê is refused, naming both versions, rather than misread.
//!
//! `notas` holds one row per reservation. A partial unique index on
//! `(prestador, prefeitura, numero) WHERE estado <> 'recusada'` makes it impossible for two
//! live rows to hold one number; a refused row stays as history and its number is reserved
//! again by the next nota.
//!
//! `pacotes` holds one row per CONAM service and `idPacote` (its primary key; see below),
//! `bilhetagem` one count per contratante, service and window, and `empresas`, `guias`,
//! `pagamentos` and `ocorrencias` the e-CAC reconciliation (migration 0004; see below).
//!
//! ## Packages
//!
//! Every CONAM movement package is recorded, with the exact JSON sent, *before* its request
//! leaves ([`registrar_envio`](guiche_ports::contabil::LivroPacotes::registrar_envio)), and its
//! situation once known ([`atualizar`](guiche_ports::contabil::LivroPacotes::atualizar)). Until
//! then the record's situation is `None`: the send is under way or its outcome unknown, and
//! the same package may be sent again. Sending it again replaces the document (and entity),
//! clears the situation and counts one more send (`envios`); so does sending a package that
//! waits for evaluation (`aguardando`), which CONAM replaces too. An approved or rejected
//! package is never sent again and a send's outcome never changes it: both are refused with
//! [`ErroLivro::JaResolvida`](guiche_ports::livro::ErroLivro::JaResolvida) (recording the very
//! same evaluation twice is accepted and changes nothing).
//!
//! The status query's answer is recorded with
//! [`conciliar`](guiche_ports::contabil::LivroPacotes::conciliar): the service's word governs,
//! even over an evaluation, and the situation the ledger held is returned so that a
//! disagreement can be reported.
//!
//! `idPacote` is unique per city, not across CONAM installations, and one ledger may serve
//! several cities: a package is keyed by its service's base URL and its id
//! ([`ChavePacote`](guiche_ports::contabil::ChavePacote); migration 0006). The packages
//! recorded before that migration kept an empty URL: such a row answers for its id at any
//! service until one writes to it, which adopts it. Ids from 1 to `i64::MAX` are stored; any
//! other is refused by name.
//!
//! ```
//! use guiche_ports::contabil::{ChavePacote, LivroPacotes, SituacaoPacote};
//! use guiche_store::Livro;
//!
//! let livro = Livro::em_memoria()?;
//! let sete = ChavePacote::new("https://integracao-h.conam.com.br/cidade", 7)?;
//! livro.registrar_envio(&sete, "1", r#"{"idPacote":7}"#)?; // before the request leaves
//! assert_eq!(livro.pacote(&sete)?.expect("recorded").situacao, None);
//! livro.atualizar(&sete, &SituacaoPacote::Aprovado)?;
//! assert!(livro.registrar_envio(&sete, "1", r#"{"idPacote":7}"#).is_err()); // never again
//! let outra = ChavePacote::new("https://integracao-h.conam.com.br/outra", 7)?;
//! assert_eq!(livro.pacote(&outra)?, None); // another city's 7
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## e-CAC
//!
//! The reconciliation of the guides an office issued against the payments Integra Contador
//! reports, behind [`LivroEcac`](guiche_ports::ecac::LivroEcac). Four tables:
//!
//! - `empresas`: one row per CNPJ, with its name, since when it uses e-CAC, how it gets there
//!   (`a1`, `a3`, `codigo`), whether the certificate is a procurador's, and the day its
//!   payments were last fetched up to (`sincronizado_ate`). Saving a company again replaces its
//!   settings and keeps that day; marking the synchronisation of a company not recorded is
//!   refused, naming its CNPJ.
//! - `guias`: one row per 17-digit número do documento, with the guide's whole content, its
//!   origin (`serpro`, `importacao`) and the day it was settled (`baixada_em`).
//! - `pagamentos`: one row per payment, unique on (contribuinte, número, data de arrecadação,
//!   valor, ordinal), the ordinal telling identical payments of one fetch apart.
//! - `ocorrencias`: what each reconciliation found, append-only; the current occurrence of a
//!   `chave` (`guia:{numero}`, `pagamento:…`) is its newest row, the older ones its history.
//!
//! One sync of a company at a time, across processes:
//! [`vez_da_empresa`](guiche_ports::ecac::LivroEcac::vez_da_empresa) takes an advisory lock on
//! `<ledger>.travas/ecac-<cnpj>.vez` (in the process for a ledger in memory) without waiting;
//! `None` says another sync of that company is under way.
//!
//! Nothing there is ever rewritten or deleted:
//!
//! - a guide keeps its content: the same number with the same content again changes nothing
//!   ([`GuiaGravada::JaExistia`](guiche_ports::ecac::GuiaGravada::JaExistia)); with other content
//!   it is refused with
//!   [`ErroLivro::GuiaConflitante`](guiche_ports::livro::ErroLivro::GuiaConflitante) and the
//!   recorded one stays;
//! - a payment already recorded is skipped;
//! - a finding equal in every field to the newest row of its `chave` writes nothing; one that
//!   differs gets a new row;
//! - a finding that says *paid* settles its guide (`baixada_em` = the reconciliation's day) if
//!   still open; a settled guide is never unsettled, whatever a later reconciliation says.
//!
//! Money is stored as INTEGER centavos (exact, never `REAL`), dates as `AAAA-MM-DD` text as in
//! `notas`, periods as `AAAAMM`. Every row read back is validated into the domain's types
//! (`Cnpj`, `Documento`, `NumeroDocumento`, `Valor`, `Data`, `CodigoBarras`, `CodigoReceita`,
//! `Competencia`); a cell that does not validate is an error naming its table, row, column and
//! value. These rules are [`guiche_ports::ecac::regras`], shared with the PostgreSQL ledger;
//! the same contract cases (`guiche-livro-contrato`) run against both.
//!
//! ```
//! use guiche_domain::guia::{Guia, NumeroDocumento, TipoGuia};
//! use guiche_domain::{Competencia, Data, Documento, Valor};
//! use guiche_ports::ecac::{GuiaGravada, LivroEcac, OrigemGuia};
//! use guiche_ports::livro::ErroLivro;
//! use guiche_store::Livro;
//!
//! let livro = Livro::em_memoria()?;
//! let guia = Guia {
//!     tipo: TipoGuia::Das,
//!     numero: NumeroDocumento::parse("07.20.26145.9307993-6")?,
//!     contribuinte: Documento::parse("11.222.333/0001-81")?,
//!     codigo_receita: None,
//!     periodo: Competencia::parse("202606")?,
//!     vencimento: Data::new(2026, 7, 20)?,
//!     valor: Valor::parse_nfd("1234,56")?,
//!     codigo_barras: None,
//! };
//! assert_eq!(livro.registrar_guia(&guia, OrigemGuia::Serpro)?, GuiaGravada::Nova);
//! assert_eq!(livro.registrar_guia(&guia, OrigemGuia::Serpro)?, GuiaGravada::JaExistia);
//! let outra = Guia { valor: Valor::parse_nfd("1,00")?, ..guia.clone() };
//! assert!(matches!(
//!     livro.registrar_guia(&outra, OrigemGuia::Serpro),
//!     Err(ErroLivro::GuiaConflitante { .. })
//! ));
//! assert_eq!(livro.guias(None)?[0].guia, guia); // the first one stays
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod acesso;
mod bilhetagem;
mod copia;
mod duravel;
mod ecac;
mod esquema;
mod falha;
mod fila;
mod idempotencia;
mod linha;
mod livro;
mod local;
mod notas;
mod pacotes;
mod retencao;
mod trabalhos;
mod usuarios;

pub use esquema::VERSAO_ESQUEMA;
pub use livro::Livro;
