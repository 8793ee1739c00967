DROP TABLE article_files;
DROP TABLE articles;
