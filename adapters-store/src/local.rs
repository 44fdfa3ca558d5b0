//! Where the ledger file may live, and how it is created: on a local disk only, private to its
//! owner.
//!
//! - **Private.** The folders the ledger creates are `0700` and the file `0600`; SQLite gives its
//!   `-wal` and `-shm` files the mode of the database file, so they are `0600` too. The ledger
//!   holds CPFs, CNPJs, invoices and tax guides (LGPD). An existing folder or file keeps the mode
//!   its owner gave it.
//! - **Local.** SQLite's WAL mode shares memory (`-shm`, mapped) between the processes that use
//!   the file and relies on the file system's locks: on a network file system (NFS, SMB/CIFS)
//!   or a FUSE one (sshfs, rclone, gvfs…) two machines, or even two processes, may both believe
//!   they hold the write lock, and a number could be issued twice. The file system of the
//!   ledger's folder is read from `/proc/self/mountinfo` (Linux) and such a folder is refused,
//!   naming the file system. Where that file does not exist (other systems) or cannot be read,
//!   nothing is checked.

use std::path::{Path, PathBuf};

/// File systems over a network: the ledger is refused on them.
const REDE: [&str; 16] = [
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "ncpfs",
    "afs",
    "coda",
    "9p",
    "ceph",
    "glusterfs",
    "lustre",
    "gpfs",
    "beegfs",
    "davfs",
    "orangefs",
];

/// FUSE file systems known to be local (FUSE's others are refused: many are network mounts,
/// and few give WAL the shared memory map it needs).
const FUSE_LOCAL: [&str; 3] = ["fuseblk", "fuse.fuse-overlayfs", "fuse.lxcfs"];

/// The mount a path lives on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Montagem {
    /// The mount point.
    pub(crate) ponto: PathBuf,
    /// The file system type (`ext4`, `nfs4`, `fuse.sshfs`…).
    pub(crate) tipo: String,
}

impl Montagem {
    /// Whether the ledger is refused there: a network file system or a FUSE one not known to be
    /// local.
    pub(crate) fn de_rede(&self) -> bool {
        let tipo = self.tipo.as_str();
        let fuse = tipo == "fuse" || tipo.starts_with("fuse.");
        REDE.contains(&tipo) || (fuse && !FUSE_LOCAL.contains(&tipo))
    }
}

/// The mount `caminho` (absolute, without symbolic links) lives on, read from the text of
/// `/proc/self/mountinfo`: the deepest mount point containing it; of two at the same point,
/// the later (it hides the earlier). `None` when no line applies.
pub(crate) fn montagem(mountinfo: &str, caminho: &Path) -> Option<Montagem> {
    let mut achada: Option<Montagem> = None;
    for linha in mountinfo.lines() {
        let Some(m) = ler_linha(linha) else {
            continue;
        };
        let mais_funda = achada
            .as_ref()
            .is_none_or(|a| m.ponto.components().count() >= a.ponto.components().count());
        if caminho.starts_with(&m.ponto) && mais_funda {
            achada = Some(m);
        }
    }
    achada
}

/// One line of mountinfo: `id pai maior:menor raiz ponto opções [campos opcionais…] - tipo
/// origem opções-do-super-bloco`. The mount point's spaces, tabs, newlines and backslashes come
/// octal-escaped (`\040`).
fn ler_linha(linha: &str) -> Option<Montagem> {
    let (antes, depois) = linha.split_once(" - ")?;
    let ponto = antes.split(' ').nth(4)?;
    let tipo = depois.split(' ').next().filter(|t| !t.is_empty())?;
    Some(Montagem {
        ponto: PathBuf::from(desescapar(ponto)),
        tipo: tipo.to_owned(),
    })
}

/// `\NNN` (octal) → the byte it names; anything else as is.
fn desescapar(texto: &str) -> String {
    let bytes = texto.as_bytes();
    let mut saida = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)))
            .map(|d| d.iter().fold(0u32, |n, c| n * 8 + u32::from(c - b'0')))
            .and_then(|n| u8::try_from(n).ok());
        match octal {
            Some(b) => {
                saida.push(b);
                i += 4;
            }
            None => {
                saida.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&saida).into_owned()
}

/// The mount of `pasta` (an existing folder) when it is one the ledger refuses; `None` when it
/// is local or the system does not say.
pub(crate) fn montagem_de_rede(pasta: &Path) -> Option<Montagem> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let real = pasta.canonicalize().ok()?;
    montagem(&mountinfo, &real).filter(Montagem::de_rede)
}

/// Creates the folders of `caminho` that are missing, `0700` (on Unix).
pub(crate) fn criar_pastas(pasta: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(pasta)
}

/// Creates the ledger file, empty and `0600` (on Unix), when it does not exist yet; SQLite
/// then makes it a database (and gives `-wal` and `-shm` its mode). An existing path (a file, or
/// a folder SQLite will refuse by name) is left alone.
pub(crate) fn criar_arquivo(caminho: &Path) -> std::io::Result<()> {
    let mut opcoes = std::fs::OpenOptions::new();
    opcoes.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opcoes, 0o600);
    match opcoes.open(caminho) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mountinfo as a workstation with a NAS share, an sshfs mount and a NFS home shows it.
    const AMOSTRA: &str = "\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
40 27 0:40 / /home/ana/nas rw,relatime shared:5 - cifs //nas/contab rw,vers=3.1.1
41 27 0:41 / /home/ana/remoto rw,nosuid,nodev - fuse.sshfs ana@servidor:/srv rw,user_id=1000
42 27 0:42 / /mnt/escrit\\040rio rw - nfs4 srv:/export rw,vers=4.2
43 42 254:1 / /mnt/escrit\\040rio/local rw - ext4 /dev/vdb rw
44 27 0:44 / /media/pendrive rw - fuseblk /dev/sdb1 rw
45 27 0:45 / /srv rw - xfs /dev/vdc rw
46 27 0:46 / /srv rw - nfs srv2:/srv rw
";

    fn tipo(caminho: &str) -> Option<String> {
        montagem(AMOSTRA, Path::new(caminho)).map(|m| m.tipo)
    }

    #[test]
    fn the_deepest_mount_point_holding_the_path_gives_the_type() {
        assert_eq!(
            tipo("/home/ana/.local/share/guiche").as_deref(),
            Some("ext4")
        );
        assert_eq!(tipo("/home/ana/nas/guiche").as_deref(), Some("cifs"));
        assert_eq!(tipo("/home/ana/nas").as_deref(), Some("cifs"));
        // A sibling whose name only starts like the mount point is not under it.
        assert_eq!(tipo("/home/ana/nas2").as_deref(), Some("ext4"));
        assert_eq!(
            tipo("/home/ana/remoto/livros").as_deref(),
            Some("fuse.sshfs")
        );
        assert_eq!(tipo("/mnt/escrit rio/livro").as_deref(), Some("nfs4"));
        assert_eq!(tipo("/mnt/escrit rio/local/livro").as_deref(), Some("ext4"));
        // Mounted over: the later mount hides the earlier one.
        assert_eq!(tipo("/srv/guiche").as_deref(), Some("nfs"));
    }

    #[test]
    fn network_and_fuse_file_systems_are_refused_local_ones_are_not() {
        let em = |c: &str| montagem(AMOSTRA, Path::new(c)).is_some_and(|m| m.de_rede());
        assert!(em("/home/ana/nas/livro.db"));
        assert!(em("/home/ana/remoto/livro.db"));
        assert!(em("/mnt/escrit rio/livro.db"));
        assert!(em("/srv/livro.db"));
        assert!(!em("/home/ana/livro.db"));
        assert!(!em("/mnt/escrit rio/local/livro.db"));
        assert!(
            !em("/media/pendrive/livro.db"),
            "fuseblk is a local disk (ntfs-3g, exfat)"
        );
        for t in ["smb3", "9p", "fuse", "fuse.rclone", "fuse.gvfsd-fuse"] {
            let m = Montagem {
                ponto: "/".into(),
                tipo: t.into(),
            };
            assert!(m.de_rede(), "{t}");
        }
        for t in [
            "ext4",
            "xfs",
            "btrfs",
            "tmpfs",
            "overlay",
            "zfs",
            "fuse.fuse-overlayfs",
        ] {
            let m = Montagem {
                ponto: "/".into(),
                tipo: t.into(),
            };
            assert!(!m.de_rede(), "{t}");
        }
    }

    #[test]
    fn malformed_lines_are_skipped_and_escapes_read() {
        let texto = "lixo\n\n1 2 3 4\n27 1 254:0 / / rw - ext4 /dev/vda rw\n";
        assert_eq!(
            montagem(texto, Path::new("/x")).map(|m| m.tipo).as_deref(),
            Some("ext4")
        );
        assert_eq!(montagem("", Path::new("/x")), None);
        assert_eq!(desescapar(r"a\040b\011c\134d"), "a b\tc\\d");
        assert_eq!(desescapar(r"fim\04"), r"fim\04");
        assert_eq!(desescapar(r"\999"), r"\999");
    }
}
