//! NFS-e Nacional: the DPS validated offline (the XML or its JSON form), the half of issuing
//! that needs no remote system. Signing happens where certificates are (`guiche-certificados`);
//! sending to SEFIN Nacional is the adapter's, still to come.

pub mod validacao;
