DROP TABLE party_documents;
