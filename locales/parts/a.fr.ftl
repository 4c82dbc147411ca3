
## part a (being merged into fr.ftl)

