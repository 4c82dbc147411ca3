
## part c (being merged into fr.ftl)

