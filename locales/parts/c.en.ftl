
## part c (being merged into en.ftl)

