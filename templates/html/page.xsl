<?xml version="1.0" encoding="UTF-8"?>
<!--
  techfile: HTML page template
  ============================

  Turns one page tree (see templates/FORMAT.md) into one HTML5 page. techfile runs this
  stylesheet once per page; style.css and script.js (and any other non-.xsl file in this
  folder) are copied next to the pages, so every link here is a plain relative file name and
  the site works from file:// with no network.

  Editing guide
  - Page chrome (header, sidebar, breadcrumbs, footer):  template match="page" and the
    "nav-*" templates.
  - Title block of a document (facts, claims, approvals, revisions): "title-block-document".
  - Markdown body: one template per node name of FORMAT.md, in the "BODY" section.
  - Colours and layout live in style.css; class names used here are listed there.

  Safety rules (keep them when you edit):
  - Never use disable-output-escaping, never xsl:copy / xsl:copy-of input nodes, never copy
    attributes wholesale: every attribute written below is named here, and its value is
    either a constant or input text (which the serializer escapes).
  - URLs are only ever written through the "safe-*" templates below: http(s)/mailto, or a
    relative path without ':' that does not start with '/' or contain '\'.
  - html_block / html_inline are raw HTML from the Markdown: shown as text, never as markup.
  - Chrome ids start with "tf-" so that they do not collide with heading anchors.

  XSLT 1.0 only (libxslt). No document(), no extensions.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <!-- HTML5: libxslt writes <!DOCTYPE html> for this doctype-system. indent="no" because
       indentation would insert spaces between adjacent inline elements. -->
  <xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat" indent="no"/>

  <!-- Indentation between block elements of the input is not content. Text is only ever in
       text/code/code_block/html_* elements (and in the generated nodes), never loose in these. -->
  <xsl:strip-space elements="page site nav meta rels document list item block_quote table
                             table_row footnote_definition gap_flag"/>

  <!-- ================================================================================== -->
  <!-- Constants and lookups                                                               -->
  <!-- ================================================================================== -->

  <xsl:variable name="upper" select="'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"/>
  <xsl:variable name="lower" select="'abcdefghijklmnopqrstuvwxyz'"/>
  <!-- Characters allowed in class-name tokens built from input values. -->
  <xsl:variable name="token-chars" select="'abcdefghijklmnopqrstuvwxyz0123456789-_'"/>

  <xsl:variable name="page" select="/page"/>
  <xsl:variable name="site" select="/page/site"/>
  <xsl:variable name="meta" select="/page/meta"/>
  <xsl:variable name="this-file" select="string(/page/@file)"/>

  <!-- Generated pages, in the order the sidebar lists them. -->
  <xsl:variable name="generated-kinds" select="' index matrix gaps raci training release '"/>

  <!-- File stems of the index and the compliance matrix (fall back to techfile's defaults). -->
  <xsl:variable name="index-file">
    <xsl:choose>
      <xsl:when test="/page/nav/entry[@kind='index'][1]/@file">
        <xsl:value-of select="/page/nav/entry[@kind='index'][1]/@file"/>
      </xsl:when>
      <xsl:otherwise>index</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="matrix-file">
    <xsl:choose>
      <xsl:when test="/page/nav/entry[@kind='matrix'][1]/@file">
        <xsl:value-of select="/page/nav/entry[@kind='matrix'][1]/@file"/>
      </xsl:when>
      <xsl:otherwise>compliance-matrix</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- Documents and records (every nav entry that is not a generated page), by type.
       (A key pattern cannot use variables: the list repeats $generated-kinds.) -->
  <!-- Footnote references by number: the first one carries the id the back-link targets. -->
  <xsl:key name="fnref" match="footnote_reference" use="string(@n)"/>
  <xsl:key name="doc-entry-by-process"
           match="/page/nav/entry[not(contains(' index matrix gaps raci training release ',
                                               concat(' ', @kind, ' ')))]"
           use="string(@process)"/>
  <xsl:key name="doc-entry-by-type"
           match="/page/nav/entry[not(contains(' index matrix gaps raci training release ',
                                               concat(' ', @kind, ' ')))]"
           use="string(@type)"/>

  <!-- ================================================================================== -->
  <!-- Page chrome                                                                         -->
  <!-- ================================================================================== -->

  <xsl:template match="/">
    <xsl:apply-templates select="page"/>
  </xsl:template>

  <xsl:template match="page">
    <xsl:variable name="kind-token">
      <xsl:call-template name="token"><xsl:with-param name="value" select="@kind"/></xsl:call-template>
    </xsl:variable>
    <html lang="en">
      <head>
        <!-- The charset declaration. libxslt inserts (or updates) exactly this element for
             method="html"; a <meta charset> would give the page two declarations. -->
        <meta http-equiv="Content-Type" content="text/html; charset=UTF-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <xsl:if test="$site/@generator">
          <meta name="generator" content="{$site/@generator}"/>
        </xsl:if>
        <title>
          <xsl:value-of select="$meta/@title"/>
          <xsl:if test="$site/@product">
            <xsl:text> — </xsl:text>
            <xsl:value-of select="$site/@product"/>
          </xsl:if>
        </title>
        <link rel="stylesheet" href="style.css"/>
        <!-- Progressive enhancement only (nav search, matrix status filter). -->
        <script src="search-index.js" defer="defer"></script>
        <script src="script.js" defer="defer"></script>
      </head>
      <xsl:text>&#10;</xsl:text>
      <body id="tf-top" class="kind-{$kind-token}" data-page-kind="{$kind-token}">
        <a class="skip-link" href="#tf-main">Skip to content</a>
        <xsl:text>&#10;</xsl:text>
        <xsl:call-template name="site-header"/>
        <xsl:text>&#10;</xsl:text>
        <div class="layout">
          <xsl:apply-templates select="nav"/>
          <xsl:text>&#10;</xsl:text>
          <div class="content">
            <xsl:call-template name="breadcrumbs"/>
            <xsl:text>&#10;</xsl:text>
            <main id="tf-main" tabindex="-1">
              <xsl:choose>
                <xsl:when test="@kind = 'document'">
                  <xsl:call-template name="title-block-document"/>
                </xsl:when>
                <xsl:otherwise>
                  <xsl:call-template name="title-block-generated"/>
                </xsl:otherwise>
              </xsl:choose>
              <xsl:text>&#10;</xsl:text>
              <xsl:apply-templates select="document"/>
            </main>
            <xsl:text>&#10;</xsl:text>
            <xsl:call-template name="site-footer"/>
          </div>
        </div>
        <xsl:text>&#10;</xsl:text>
      </body>
    </html>
  </xsl:template>

  <!-- Header bar: product, version, standard, manufacturer. -->
  <xsl:template name="site-header">
    <header class="site-header">
      <div class="brand">
        <xsl:call-template name="page-link">
          <xsl:with-param name="file" select="$index-file"/>
          <xsl:with-param name="class" select="'brand-link'"/>
          <xsl:with-param name="content">
            <span class="product"><xsl:value-of select="$site/@product"/></span>
            <xsl:if test="$site/@product-version">
              <xsl:text> </xsl:text>
              <span class="product-version"><xsl:value-of select="$site/@product-version"/></span>
            </xsl:if>
          </xsl:with-param>
        </xsl:call-template>
      </div>
      <p class="site-context">
        <span class="context-item">Technical file</span>
        <xsl:if test="$site/@standard-title or $site/@standard">
          <span class="sep" aria-hidden="true"> · </span>
          <span class="context-item standard">
            <xsl:choose>
              <xsl:when test="$site/@standard-title"><xsl:value-of select="$site/@standard-title"/></xsl:when>
              <xsl:otherwise><xsl:value-of select="$site/@standard"/></xsl:otherwise>
            </xsl:choose>
          </span>
        </xsl:if>
        <xsl:if test="$site/@manufacturer">
          <span class="sep" aria-hidden="true"> · </span>
          <span class="context-item manufacturer"><xsl:value-of select="$site/@manufacturer"/></span>
        </xsl:if>
      </p>
    </header>
  </xsl:template>

  <!-- Breadcrumbs: Technical file › page title. -->
  <xsl:template name="breadcrumbs">
    <nav class="breadcrumbs" aria-label="Breadcrumb">
      <ol>
        <xsl:choose>
          <xsl:when test="$page/@kind = 'index'">
            <li><span aria-current="page"><xsl:value-of select="$meta/@title"/></span></li>
          </xsl:when>
          <xsl:otherwise>
            <li>
              <xsl:call-template name="page-link">
                <xsl:with-param name="file" select="$index-file"/>
                <xsl:with-param name="content" select="'Technical file'"/>
              </xsl:call-template>
            </li>
            <li>
              <span aria-current="page">
                <xsl:if test="$page/@kind = 'document' and $meta/@id">
                  <span class="crumb-id"><xsl:value-of select="$meta/@id"/></span>
                  <xsl:text> </xsl:text>
                </xsl:if>
                <xsl:value-of select="$meta/@title"/>
              </span>
            </li>
          </xsl:otherwise>
        </xsl:choose>
      </ol>
    </nav>
  </xsl:template>

  <!-- Footer: generator, build date, source of this page. -->
  <xsl:template name="site-footer">
    <footer class="site-footer">
      <p>
        <xsl:text>Generated by </xsl:text>
        <span class="generator">
          <xsl:choose>
            <xsl:when test="$site/@generator"><xsl:value-of select="$site/@generator"/></xsl:when>
            <xsl:otherwise>techfile</xsl:otherwise>
          </xsl:choose>
        </span>
        <xsl:if test="$site/@build-date">
          <xsl:text> on </xsl:text>
          <time>
            <!-- datetime only for a well-formed YYYY-MM-DD date -->
            <xsl:if test="string-length($site/@build-date) = 10
                          and translate($site/@build-date, '0123456789', '') = '--'">
              <xsl:attribute name="datetime"><xsl:value-of select="$site/@build-date"/></xsl:attribute>
            </xsl:if>
            <xsl:value-of select="$site/@build-date"/>
          </time>
        </xsl:if>
        <xsl:if test="$site/@product">
          <xsl:text> for </xsl:text>
          <xsl:value-of select="$site/@product"/>
          <xsl:if test="$site/@product-version">
            <xsl:text> </xsl:text>
            <xsl:value-of select="$site/@product-version"/>
          </xsl:if>
        </xsl:if>
        <xsl:if test="$site/@manufacturer">
          <xsl:text> · </xsl:text>
          <xsl:value-of select="$site/@manufacturer"/>
        </xsl:if>
        <xsl:text>.</xsl:text>
      </p>
      <xsl:if test="$meta/@source">
        <p class="source">Source: <code><xsl:value-of select="$meta/@source"/></code></p>
      </xsl:if>
    </footer>
  </xsl:template>

  <!-- ================================================================================== -->
  <!-- Sidebar navigation                                                                  -->
  <!-- ================================================================================== -->

  <xsl:template match="nav">
    <nav class="sidebar" id="tf-nav" aria-label="Technical file">
      <!-- Generated pages, in a fixed order. Any other entry counts as a document/record. -->
      <xsl:variable name="generated"
                    select="entry[contains($generated-kinds, concat(' ', @kind, ' '))]"/>
      <xsl:if test="$generated">
        <div class="nav-group">
          <h2 class="nav-heading" id="tf-nav-overview">Overview</h2>
          <ul aria-labelledby="tf-nav-overview">
            <xsl:apply-templates select="entry[@kind='index']" mode="nav"/>
            <xsl:apply-templates select="entry[@kind='matrix']" mode="nav"/>
            <xsl:apply-templates select="entry[@kind='gaps']" mode="nav"/>
            <xsl:apply-templates select="entry[@kind='raci']" mode="nav"/>
            <xsl:apply-templates select="entry[@kind='training']" mode="nav"/>
            <xsl:apply-templates select="entry[@kind='release']" mode="nav"/>
          </ul>
        </div>
      </xsl:if>

      <!-- Documents, grouped by the process of the clauses they back, in the catalog's
           order (Muenchian grouping on @process); documents backing no clause come last. -->
      <xsl:variable name="all-docs"
                    select="entry[not(contains($generated-kinds, concat(' ', @kind, ' ')))]"/>
      <xsl:if test="$all-docs">
        <div class="nav-group">
          <h2 class="nav-heading" id="tf-nav-documents">Documents by process</h2>
          <xsl:for-each select="$all-docs[@process][generate-id() =
                                         generate-id(key('doc-entry-by-process', string(@process))[1])]">
            <xsl:sort select="@process-order" data-type="number"/>
            <xsl:variable name="group-id" select="concat('tf-nav-process-', position())"/>
            <h3 class="nav-subheading" id="{$group-id}">
              <xsl:call-template name="humanize"><xsl:with-param name="value" select="@process"/></xsl:call-template>
            </h3>
            <ul aria-labelledby="{$group-id}">
              <xsl:apply-templates select="key('doc-entry-by-process', string(@process))" mode="nav"/>
            </ul>
          </xsl:for-each>
          <xsl:if test="$all-docs[not(@process)]">
            <h3 class="nav-subheading" id="tf-nav-process-other">Other documents</h3>
            <ul aria-labelledby="tf-nav-process-other">
              <xsl:apply-templates select="$all-docs[not(@process)]" mode="nav"/>
            </ul>
          </xsl:if>
        </div>
      </xsl:if>
    </nav>
  </xsl:template>

  <!-- One sidebar entry. Documents show their ID above the title, and their status when it
       is not "approved" (a reviewer should notice a draft). -->
  <xsl:template match="entry" mode="nav">
    <xsl:variable name="is-doc"
                  select="not(contains($generated-kinds, concat(' ', @kind, ' ')))"/>
    <xsl:variable name="f" select="string(@file)"/>
    <li class="nav-entry">
      <!-- what page-link writes for a plain file stem (the same test as page-link's and
           url-kind's "relative"), written out here: the sidebar has an entry per document on
           every page, and a page-link call with a result-tree parameter for each cost a third
           of the time an HTML page takes -->
      <xsl:choose>
        <xsl:when test="normalize-space($f) != '' and not(starts-with(normalize-space($f), '/'))
                        and not(contains($f, ':')) and not(contains($f, '\'))
                        and not(contains($f, '#')) and not(contains($f, '?'))">
          <a href="{$f}.html">
            <xsl:if test="@current = 'true' or $f = $this-file">
              <xsl:attribute name="aria-current">page</xsl:attribute>
            </xsl:if>
            <xsl:call-template name="nav-label"><xsl:with-param name="is-doc" select="$is-doc"/></xsl:call-template>
          </a>
        </xsl:when>
        <xsl:otherwise>
          <span class="blocked-link" title="link removed">
            <xsl:call-template name="nav-label"><xsl:with-param name="is-doc" select="$is-doc"/></xsl:call-template>
          </span>
        </xsl:otherwise>
      </xsl:choose>
    </li>
  </xsl:template>

  <xsl:template name="nav-label">
    <xsl:param name="is-doc"/>
    <xsl:if test="$is-doc and @id">
      <span class="nav-id"><xsl:value-of select="@id"/></span>
      <xsl:text> </xsl:text>
    </xsl:if>
    <span class="nav-title"><xsl:value-of select="@title"/></span>
    <xsl:if test="$is-doc and @status and @status != 'approved'">
      <xsl:text> </xsl:text>
      <xsl:call-template name="status-pill">
        <xsl:with-param name="status" select="@status"/>
        <xsl:with-param name="class" select="'pill pill-small'"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- ================================================================================== -->
  <!-- Title blocks                                                                        -->
  <!-- ================================================================================== -->

  <!-- A Markdown document: identity, facts, claims, approvals, revision history. -->
  <xsl:template name="title-block-document">
    <div class="title-block document-title-block">
      <p class="eyebrow">
        <xsl:choose>
          <xsl:when test="$meta/@type and $meta/@type != 'document'">
            <xsl:text>Record · </xsl:text>
            <xsl:call-template name="humanize"><xsl:with-param name="value" select="$meta/@type"/></xsl:call-template>
          </xsl:when>
          <xsl:otherwise>Controlled document</xsl:otherwise>
        </xsl:choose>
        <xsl:if test="$meta/@id">
          <xsl:text> · </xsl:text>
          <span class="doc-id"><xsl:value-of select="$meta/@id"/></span>
        </xsl:if>
      </p>
      <h1><xsl:value-of select="$meta/@title"/></h1>

      <!-- Key facts -->
      <dl class="doc-facts">
        <div>
          <dt>Document ID</dt>
          <dd class="mono"><xsl:call-template name="or-dash"><xsl:with-param name="value" select="$meta/@id"/></xsl:call-template></dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd><xsl:call-template name="or-dash"><xsl:with-param name="value" select="$meta/@version"/></xsl:call-template></dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <xsl:choose>
              <xsl:when test="$meta/@status">
                <xsl:call-template name="status-pill"><xsl:with-param name="status" select="$meta/@status"/></xsl:call-template>
              </xsl:when>
              <xsl:otherwise>
                <xsl:call-template name="status-pill"><xsl:with-param name="status" select="'missing'"/></xsl:call-template>
              </xsl:otherwise>
            </xsl:choose>
          </dd>
        </div>
        <div>
          <dt>Owner</dt>
          <dd><xsl:call-template name="or-dash"><xsl:with-param name="value" select="$meta/@owner"/></xsl:call-template></dd>
        </div>
        <div>
          <dt>Approved</dt>
          <dd>
            <xsl:choose>
              <xsl:when test="$meta/@approval-date"><xsl:value-of select="$meta/@approval-date"/></xsl:when>
              <xsl:otherwise><span class="muted">Not yet approved</span></xsl:otherwise>
            </xsl:choose>
          </dd>
        </div>
      </dl>

      <!-- Clauses this document is evidence for. -->
      <xsl:if test="$meta/claim">
        <section class="tb-section claims" aria-labelledby="tf-claims">
          <h2 class="tb-heading" id="tf-claims">
            <xsl:text>Evidence for </xsl:text>
            <xsl:call-template name="standard-name"/>
          </h2>
          <ul class="claim-list">
            <xsl:for-each select="$meta/claim">
              <li>
                <xsl:call-template name="page-link">
                  <xsl:with-param name="file" select="$matrix-file"/>
                  <xsl:with-param name="anchor" select="concat('clause-', @clause)"/>
                  <xsl:with-param name="class" select="'claim-clause'"/>
                  <xsl:with-param name="content">
                    <span class="clause-no">§<xsl:value-of select="@clause"/></span>
                    <xsl:if test="@title">
                      <xsl:text> </xsl:text>
                      <xsl:value-of select="@title"/>
                    </xsl:if>
                  </xsl:with-param>
                </xsl:call-template>
                <xsl:text> </xsl:text>
                <xsl:call-template name="badge-span">
                  <xsl:with-param name="value" select="@status"/>
                </xsl:call-template>
                <xsl:if test="@section">
                  <xsl:text> </xsl:text>
                  <a class="claim-section" href="#{@section}">see section</a>
                </xsl:if>
              </li>
            </xsl:for-each>
          </ul>
        </section>
      </xsl:if>

      <div class="tb-tables">
        <!-- Approvals -->
        <section class="tb-section approvals" aria-labelledby="tf-approvals">
          <h2 class="tb-heading" id="tf-approvals">Approvals</h2>
          <xsl:choose>
            <xsl:when test="$meta/approval">
              <div class="table-wrap">
                <table class="meta-table">
                  <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Date</th></tr></thead>
                  <tbody>
                    <xsl:for-each select="$meta/approval">
                      <tr>
                        <td><xsl:value-of select="@name"/></td>
                        <td><xsl:value-of select="@role"/></td>
                        <td class="nowrap"><xsl:value-of select="@date"/></td>
                      </tr>
                    </xsl:for-each>
                  </tbody>
                </table>
              </div>
            </xsl:when>
            <xsl:otherwise>
              <p class="muted">No approval recorded.</p>
            </xsl:otherwise>
          </xsl:choose>
        </section>

        <!-- Revision history -->
        <section class="tb-section revisions" aria-labelledby="tf-revisions">
          <h2 class="tb-heading" id="tf-revisions">Revision history</h2>
          <xsl:choose>
            <xsl:when test="$meta/revision">
              <div class="table-wrap">
                <table class="meta-table">
                  <thead><tr><th scope="col">Version</th><th scope="col">Date</th><th scope="col">Author</th><th scope="col">Change</th></tr></thead>
                  <tbody>
                    <xsl:for-each select="$meta/revision">
                      <tr>
                        <td class="nowrap"><xsl:value-of select="@version"/></td>
                        <td class="nowrap"><xsl:value-of select="@date"/></td>
                        <td><xsl:value-of select="@author"/></td>
                        <td><xsl:value-of select="@change"/></td>
                      </tr>
                    </xsl:for-each>
                  </tbody>
                </table>
              </div>
            </xsl:when>
            <xsl:otherwise>
              <p class="muted">No revision history recorded.</p>
            </xsl:otherwise>
          </xsl:choose>
        </section>
      </div>
    </div>
  </xsl:template>

  <!-- A generated page (index, matrix, gaps, RACI, training, release). -->
  <xsl:template name="title-block-generated">
    <div class="title-block generated-title-block">
      <p class="eyebrow">
        <xsl:text>Generated by techfile</xsl:text>
        <xsl:if test="$site/@build-date">
          <xsl:text> · </xsl:text>
          <xsl:value-of select="$site/@build-date"/>
        </xsl:if>
      </p>
      <h1><xsl:value-of select="$meta/@title"/></h1>
      <p class="subtitle">
        <xsl:value-of select="$site/@product"/>
        <xsl:if test="$site/@product-version">
          <xsl:text> </xsl:text>
          <xsl:value-of select="$site/@product-version"/>
        </xsl:if>
        <xsl:text> · </xsl:text>
        <xsl:call-template name="standard-name"/>
      </p>
    </div>
  </xsl:template>

  <!-- ================================================================================== -->
  <!-- BODY: cmark-gfm node names (FORMAT.md)                                             -->
  <!-- ================================================================================== -->

  <!-- The body, then the footnote definitions gathered in one section. -->
  <xsl:template match="document">
    <div class="doc-body">
      <xsl:apply-templates select="*[not(self::footnote_definition)]"/>
    </div>
    <xsl:if test="footnote_definition">
      <xsl:text>&#10;</xsl:text>
      <section class="footnotes" aria-labelledby="tf-footnotes">
        <h2 class="footnotes-heading" id="tf-footnotes">Footnotes</h2>
        <ol>
          <xsl:apply-templates select="footnote_definition"/>
        </ol>
      </section>
    </xsl:if>
  </xsl:template>

  <!-- ===== Blocks ===================================================================== -->

  <!-- The title block holds the page's one <h1>, so Markdown headings move one level down
       (# → h2 ... ##### → h6, deeper stays h6); id = anchor, plus a "#" permalink. -->
  <xsl:template match="heading">
    <xsl:variable name="level">
      <xsl:choose>
        <xsl:when test="@level = '1' or @level = '2' or @level = '3' or @level = '4'
                        or @level = '5'">
          <xsl:value-of select="@level + 1"/>
        </xsl:when>
        <xsl:when test="@level = '6'">6</xsl:when>
        <xsl:otherwise>2</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:element name="h{$level}">
      <xsl:if test="string(@anchor) != ''">
        <xsl:attribute name="id"><xsl:value-of select="@anchor"/></xsl:attribute>
      </xsl:if>
      <xsl:apply-templates/>
      <xsl:if test="string(@anchor) != ''">
        <xsl:text> </xsl:text>
        <a class="heading-anchor" href="#{@anchor}"
           aria-label="Link to section: {normalize-space(.)}">#</a>
      </xsl:if>
    </xsl:element>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <!-- Paragraphs of a tight list item are written without <p>, as cmark does. The first
       paragraph of a task item carries the checkbox; the last paragraph of a footnote
       definition carries the back-link. -->
  <xsl:template match="paragraph">
    <xsl:choose>
      <xsl:when test="parent::item and ../../@tight = 'true'">
        <xsl:call-template name="task-checkbox"/>
        <xsl:apply-templates/>
      </xsl:when>
      <xsl:otherwise>
        <p>
          <xsl:call-template name="task-checkbox"/>
          <xsl:apply-templates/>
          <xsl:if test="parent::footnote_definition and not(following-sibling::*[1])">
            <xsl:apply-templates select=".." mode="footnote-back"/>
          </xsl:if>
        </p>
        <xsl:text>&#10;</xsl:text>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="block_quote">
    <blockquote><xsl:apply-templates/></blockquote>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="list[@type = 'ordered']">
    <ol>
      <xsl:if test="string(number(@start)) != 'NaN' and number(@start) != 1">
        <xsl:attribute name="start"><xsl:value-of select="number(@start)"/></xsl:attribute>
      </xsl:if>
      <xsl:if test="item[@task]">
        <xsl:attribute name="class">task-list</xsl:attribute>
      </xsl:if>
      <xsl:apply-templates/>
    </ol>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="list">
    <ul>
      <xsl:if test="item[@task]">
        <xsl:attribute name="class">task-list</xsl:attribute>
      </xsl:if>
      <xsl:apply-templates/>
    </ul>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <xsl:if test="@task">
        <xsl:attribute name="class">task-item</xsl:attribute>
        <!-- A task item that does not start with a paragraph gets its checkbox here. -->
        <xsl:if test="not(*[1][self::paragraph])">
          <xsl:call-template name="checkbox"/>
        </xsl:if>
      </xsl:if>
      <xsl:apply-templates/>
    </li>
  </xsl:template>

  <!-- Called from paragraph: the checkbox, if this is the first paragraph of a task item. -->
  <xsl:template name="task-checkbox">
    <xsl:if test="parent::item[@task] and not(preceding-sibling::*[1])">
      <xsl:for-each select="..">
        <xsl:call-template name="checkbox"/>
      </xsl:for-each>
    </xsl:if>
  </xsl:template>

  <!-- Context: a task item. Read-only checkbox, labelled with the task's text. -->
  <xsl:template name="checkbox">
    <input type="checkbox" disabled="disabled" aria-label="{normalize-space(*[1])}">
      <xsl:if test="@task = 'checked'">
        <xsl:attribute name="checked">checked</xsl:attribute>
      </xsl:if>
    </input>
    <xsl:text> </xsl:text>
  </xsl:template>

  <!-- Code: the info string's first word, if it is a plain token, names the language. -->
  <xsl:template match="code_block">
    <xsl:variable name="lang-raw"
                  select="substring-before(concat(normalize-space(@info), ' '), ' ')"/>
    <xsl:variable name="lang-token">
      <xsl:call-template name="token"><xsl:with-param name="value" select="$lang-raw"/></xsl:call-template>
    </xsl:variable>
    <pre class="code-block">
      <code>
        <xsl:if test="$lang-raw != '' and $lang-token != 'other'">
          <xsl:attribute name="class"><xsl:value-of select="concat('language-', $lang-token)"/></xsl:attribute>
        </xsl:if>
        <xsl:value-of select="."/>
      </code>
    </pre>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <!-- Raw HTML from the Markdown: shown as escaped text, never interpreted. -->
  <xsl:template match="html_block">
    <pre class="raw-html" title="Raw HTML from the source, shown as text"><code><xsl:value-of select="."/></code></pre>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="thematic_break">
    <hr/>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <!-- Tables: header rows in <thead>, the rest in <tbody>. A row holding a badge gets
       data-status = the first badge's value (the matrix status filter uses it). -->
  <xsl:template match="table">
    <div class="table-wrap">
      <table class="md-table">
        <xsl:if test="normalize-space(@caption) != ''">
          <caption>Table <xsl:number level="any" count="table[normalize-space(@caption) != '']"/>: <xsl:value-of select="@caption"/></caption>
        </xsl:if>
        <xsl:if test="table_row[@header = 'true']">
          <thead><xsl:apply-templates select="table_row[@header = 'true']"/></thead>
        </xsl:if>
        <xsl:if test="table_row[not(@header = 'true')]">
          <tbody><xsl:apply-templates select="table_row[not(@header = 'true')]"/></tbody>
        </xsl:if>
      </table>
    </div>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="table_row">
    <tr>
      <xsl:call-template name="row-id"/>
      <xsl:if test="not(@header = 'true') and .//badge">
        <xsl:attribute name="data-status">
          <xsl:call-template name="token">
            <xsl:with-param name="value" select="(.//badge)[1]/@value"/>
          </xsl:call-template>
        </xsl:attribute>
      </xsl:if>
      <xsl:apply-templates/>
    </tr>
  </xsl:template>

  <!-- Row ids: generated pages may give a table_row an anchor; the compliance matrix gives
       each clause row anchor="clause-5.8.6", so that compliance-matrix.html#clause-5.8.6 lands
       on it. -->
  <xsl:template name="row-id">
    <xsl:if test="string(@anchor) != ''">
      <xsl:attribute name="id"><xsl:value-of select="@anchor"/></xsl:attribute>
    </xsl:if>
  </xsl:template>

  <xsl:template match="table_cell">
    <xsl:variable name="align">
      <xsl:if test="@align = 'left' or @align = 'right' or @align = 'center'">
        <xsl:value-of select="concat('align-', @align)"/>
      </xsl:if>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="../@header = 'true'">
        <th scope="col">
          <xsl:if test="$align != ''"><xsl:attribute name="class"><xsl:value-of select="$align"/></xsl:attribute></xsl:if>
          <xsl:apply-templates/>
        </th>
      </xsl:when>
      <xsl:otherwise>
        <td>
          <xsl:if test="$align != ''"><xsl:attribute name="class"><xsl:value-of select="$align"/></xsl:attribute></xsl:if>
          <xsl:apply-templates/>
        </td>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Footnote definitions: items of the ordered list in section.footnotes. -->
  <xsl:template match="footnote_definition">
    <li id="{@anchor}">
      <xsl:if test="string(@anchor) = ''">
        <xsl:attribute name="id"><xsl:value-of select="concat('fn-', @n)"/></xsl:attribute>
      </xsl:if>
      <xsl:if test="string(number(@n)) != 'NaN'">
        <xsl:attribute name="value"><xsl:value-of select="number(@n)"/></xsl:attribute>
      </xsl:if>
      <xsl:apply-templates/>
      <!-- If the definition does not end with a paragraph, the back-link goes here. -->
      <xsl:if test="not(*[last()][self::paragraph])">
        <xsl:apply-templates select="." mode="footnote-back"/>
      </xsl:if>
    </li>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <!-- Back-link from a footnote to its (first) reference. -->
  <xsl:template match="footnote_definition" mode="footnote-back">
    <xsl:variable name="n" select="string(@n)"/>
    <xsl:if test="key('fnref', $n)">
      <xsl:text> </xsl:text>
      <a class="footnote-back" href="#fnref-{$n}" aria-label="Back to reference {$n}">↩&#xFE0E;</a>
    </xsl:if>
  </xsl:template>

  <!-- Generated by techfile: the audit defense statement of a clause. -->
  <xsl:template match="audit_defense">
    <xsl:variable name="clause" select="string(@clause)"/>
    <xsl:variable name="first" select="not(preceding::audit_defense[string(@clause) = $clause])"/>
    <xsl:variable name="label-id" select="concat('tf-defense-label-', count(preceding::audit_defense) + 1)"/>
    <aside class="audit-defense" data-clause="{@clause}" aria-labelledby="{$label-id}">
      <xsl:if test="$first and $clause != ''">
        <xsl:attribute name="id"><xsl:value-of select="concat('defense-', $clause)"/></xsl:attribute>
      </xsl:if>
      <p class="flag-label" id="{$label-id}">
        <span class="flag-kind">Audit defense</span>
        <span class="sep" aria-hidden="true"> · </span>
        <span class="flag-clause">
          <xsl:call-template name="standard-name"/>
          <xsl:text> §</xsl:text>
          <xsl:value-of select="@clause"/>
          <xsl:if test="@clause-title">
            <xsl:text> </xsl:text>
            <xsl:value-of select="@clause-title"/>
          </xsl:if>
        </span>
        <span class="sep" aria-hidden="true"> · </span>
        <span class="flag-generated">generated by techfile</span>
      </p>
      <p class="defense-statement"><xsl:apply-templates/></p>
    </aside>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <!-- Generated by techfile: a clause this document claims but does not back. -->
  <xsl:template match="gap_flag">
    <xsl:variable name="clause" select="string(@clause)"/>
    <xsl:variable name="first" select="not(preceding::gap_flag[string(@clause) = $clause])"/>
    <xsl:variable name="label-id" select="concat('tf-gap-label-', count(preceding::gap_flag) + 1)"/>
    <xsl:variable name="severity">
      <xsl:choose>
        <xsl:when test="@severity = 'minor'">minor</xsl:when>
        <xsl:otherwise>major</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <aside class="gap-flag severity-{$severity}" role="note" data-clause="{@clause}"
           aria-labelledby="{$label-id}">
      <xsl:if test="$first and $clause != ''">
        <xsl:attribute name="id"><xsl:value-of select="concat('gap-', $clause)"/></xsl:attribute>
      </xsl:if>
      <p class="flag-label" id="{$label-id}">
        <span class="flag-icon" aria-hidden="true">!</span>
        <span class="flag-kind">Gap</span>
        <span class="sep" aria-hidden="true"> · </span>
        <span class="flag-clause">
          <xsl:text>§</xsl:text>
          <xsl:value-of select="@clause"/>
          <xsl:if test="@clause-title">
            <xsl:text> </xsl:text>
            <xsl:value-of select="@clause-title"/>
          </xsl:if>
        </span>
        <xsl:text> </xsl:text>
        <span class="flag-severity">(<xsl:value-of select="$severity"/>)</span>
      </p>
      <xsl:if test="reason">
        <ul class="gap-reasons">
          <xsl:for-each select="reason">
            <li><xsl:value-of select="."/></li>
          </xsl:for-each>
        </ul>
      </xsl:if>
    </aside>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <!-- ===== Inlines ==================================================================== -->

  <xsl:template match="text">
    <xsl:value-of select="."/>
  </xsl:template>

  <xsl:template match="softbreak">
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="linebreak">
    <br/>
  </xsl:template>

  <xsl:template match="code">
    <code><xsl:value-of select="."/></code>
  </xsl:template>

  <!-- Raw inline HTML: shown as text. -->
  <xsl:template match="html_inline">
    <code class="raw-html-inline" title="Raw HTML from the source, shown as text"><xsl:value-of select="."/></code>
  </xsl:template>

  <xsl:template match="emph">
    <em><xsl:apply-templates/></em>
  </xsl:template>

  <xsl:template match="strong">
    <strong><xsl:apply-templates/></strong>
  </xsl:template>

  <xsl:template match="strikethrough">
    <del><xsl:apply-templates/></del>
  </xsl:template>

  <!-- Links. Any link that is not a safe external link or a page link renders as text. -->
  <xsl:template match="link">
    <span class="blocked-link" title="link removed"><xsl:apply-templates/></span>
  </xsl:template>

  <xsl:template match="link[@kind = 'external']">
    <xsl:variable name="url-kind">
      <xsl:call-template name="url-kind"><xsl:with-param name="url" select="@destination"/></xsl:call-template>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="$url-kind = 'web' or $url-kind = 'mailto' or $url-kind = 'relative'">
        <a href="{@destination}" rel="noopener">
          <xsl:attribute name="class">
            <xsl:choose>
              <xsl:when test="$url-kind = 'relative'">file-link</xsl:when>
              <xsl:otherwise>external</xsl:otherwise>
            </xsl:choose>
          </xsl:attribute>
          <xsl:if test="string(@title) != ''">
            <xsl:attribute name="title"><xsl:value-of select="@title"/></xsl:attribute>
          </xsl:if>
          <xsl:apply-templates/>
        </a>
      </xsl:when>
      <xsl:otherwise>
        <span class="blocked-link" title="link removed"><xsl:apply-templates/></span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="link[@kind = 'page']">
    <xsl:call-template name="page-link">
      <xsl:with-param name="file" select="@file"/>
      <xsl:with-param name="anchor" select="@anchor"/>
      <xsl:with-param name="same" select="@same = 'true'"/>
      <xsl:with-param name="class" select="'page-link'"/>
      <xsl:with-param name="title" select="@title"/>
      <xsl:with-param name="content"><xsl:apply-templates/></xsl:with-param>
    </xsl:call-template>
  </xsl:template>

  <!-- Images: local files from the bundle, http(s) images; anything else shows its alt text. -->
  <xsl:template match="image">
    <xsl:variable name="alt" select="normalize-space(.)"/>
    <xsl:variable name="url" select="@src[current()/@kind = 'local'] | @destination[current()/@kind = 'external']"/>
    <xsl:variable name="url-kind">
      <xsl:call-template name="url-kind"><xsl:with-param name="url" select="$url"/></xsl:call-template>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="(@kind = 'local' and $url-kind = 'relative')
                      or (@kind = 'external' and $url-kind = 'web')">
        <img src="{$url}" alt="{$alt}">
          <xsl:if test="string(@title) != ''">
            <xsl:attribute name="title"><xsl:value-of select="@title"/></xsl:attribute>
          </xsl:if>
          <!-- Intrinsic size from the DOCX extent (EMU / 9525 = CSS px); CSS scales it down. -->
          <xsl:if test="number(@width-emu) &gt; 0 and number(@height-emu) &gt; 0">
            <xsl:attribute name="width"><xsl:value-of select="round(number(@width-emu) div 9525)"/></xsl:attribute>
            <xsl:attribute name="height"><xsl:value-of select="round(number(@height-emu) div 9525)"/></xsl:attribute>
          </xsl:if>
        </img>
      </xsl:when>
      <xsl:otherwise>
        <span class="image-removed" title="image not shown">
          <xsl:text>[</xsl:text>
          <xsl:choose>
            <xsl:when test="$alt != ''"><xsl:value-of select="$alt"/></xsl:when>
            <xsl:otherwise>image</xsl:otherwise>
          </xsl:choose>
          <xsl:text>]</xsl:text>
        </span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="footnote_reference">
    <xsl:variable name="n" select="string(@n)"/>
    <xsl:variable name="target">
      <xsl:choose>
        <xsl:when test="string(@anchor) != ''"><xsl:value-of select="@anchor"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="concat('fn-', $n)"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <sup class="footnote-ref">
      <a href="#{$target}" aria-label="Note {$n}">
        <!-- Only the first reference to a note carries the id the back-link targets. -->
        <xsl:if test="generate-id(.) = generate-id(key('fnref', $n)[1])">
          <xsl:attribute name="id"><xsl:value-of select="concat('fnref-', $n)"/></xsl:attribute>
        </xsl:if>
        <xsl:value-of select="$n"/>
      </a>
    </sup>
  </xsl:template>

  <!-- Status badge of generated pages. -->
  <xsl:template match="badge">
    <xsl:call-template name="badge-span">
      <xsl:with-param name="value" select="@value"/>
      <xsl:with-param name="label" select="normalize-space(.)"/>
    </xsl:call-template>
  </xsl:template>

  <!-- ================================================================================== -->
  <!-- Helpers                                                                             -->
  <!-- ================================================================================== -->

  <!-- Classifies a URL: "web" (http/https), "mailto", "relative" (no ':', no '\', does not
       start with '/'; browsers ignore leading spaces, hence normalize-space), or "unsafe". -->
  <xsl:template name="url-kind">
    <xsl:param name="url"/>
    <xsl:variable name="u" select="translate(string($url), $upper, $lower)"/>
    <xsl:choose>
      <xsl:when test="starts-with($u, 'http://') or starts-with($u, 'https://')">web</xsl:when>
      <xsl:when test="starts-with($u, 'mailto:')">mailto</xsl:when>
      <xsl:when test="normalize-space($u) != '' and not(contains($u, ':'))
                      and not(contains($u, '\')) and not(starts-with(normalize-space($u), '/'))">relative</xsl:when>
      <xsl:otherwise>unsafe</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A link to a page of the build: file.html, file.html#anchor, or #anchor on this page.
       A file stem that is not a plain relative name renders as text only. -->
  <xsl:template name="page-link">
    <xsl:param name="file"/>
    <xsl:param name="anchor" select="''"/>
    <xsl:param name="same" select="false()"/>
    <xsl:param name="current" select="false()"/>
    <xsl:param name="class" select="''"/>
    <xsl:param name="title" select="''"/>
    <xsl:param name="content"/>
    <!-- url-kind's "relative", written out (a call with a result-tree variable costs far more
         than the test); the sidebar entries (entry, mode nav) use the same test: change all
         three together -->
    <xsl:variable name="f" select="string($file)"/>
    <xsl:variable name="fragment" select="concat(substring('#', 1, string-length(string($anchor))), string($anchor))"/>
    <xsl:choose>
      <xsl:when test="$same or (normalize-space($f) != '' and not(starts-with(normalize-space($f), '/'))
                                and not(contains($f, ':')) and not(contains($f, '\'))
                                and not(contains($f, '#')) and not(contains($f, '?')))">
        <a>
          <xsl:attribute name="href">
            <xsl:choose>
              <xsl:when test="$same and $fragment != ''"><xsl:value-of select="$fragment"/></xsl:when>
              <xsl:when test="$same">#tf-top</xsl:when>
              <xsl:otherwise><xsl:value-of select="concat($file, '.html', $fragment)"/></xsl:otherwise>
            </xsl:choose>
          </xsl:attribute>
          <xsl:if test="$class != ''">
            <xsl:attribute name="class"><xsl:value-of select="$class"/></xsl:attribute>
          </xsl:if>
          <xsl:if test="string($title) != ''">
            <xsl:attribute name="title"><xsl:value-of select="$title"/></xsl:attribute>
          </xsl:if>
          <xsl:if test="$current">
            <xsl:attribute name="aria-current">page</xsl:attribute>
          </xsl:if>
          <xsl:copy-of select="$content"/>
        </a>
      </xsl:when>
      <xsl:otherwise>
        <span class="blocked-link" title="link removed"><xsl:copy-of select="$content"/></span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <!-- Note: $content above is a result tree fragment built by this stylesheet's own
       templates (never input nodes), so copying it is safe. -->

  <!-- A status badge (generated pages, claims). The class is badge-{value} for a known
       value; the label defaults to the value, capitalised. -->
  <xsl:template name="badge-span">
    <xsl:param name="value"/>
    <xsl:param name="label" select="''"/>
    <xsl:variable name="v">
      <xsl:call-template name="token"><xsl:with-param name="value" select="$value"/></xsl:call-template>
    </xsl:variable>
    <span class="badge badge-{$v}">
      <xsl:choose>
        <xsl:when test="$label != ''"><xsl:value-of select="$label"/></xsl:when>
        <xsl:otherwise>
          <xsl:call-template name="humanize"><xsl:with-param name="value" select="$value"/></xsl:call-template>
        </xsl:otherwise>
      </xsl:choose>
    </span>
  </xsl:template>

  <!-- A document status pill: status-{status}; style.css colours the known ones. -->
  <xsl:template name="status-pill">
    <xsl:param name="status"/>
    <xsl:param name="class" select="'pill'"/>
    <xsl:variable name="v">
      <xsl:call-template name="token"><xsl:with-param name="value" select="$status"/></xsl:call-template>
    </xsl:variable>
    <span class="{$class} status-{$v}">
      <xsl:call-template name="humanize"><xsl:with-param name="value" select="$status"/></xsl:call-template>
    </span>
  </xsl:template>

  <!-- Lower-cases a value for use in a class name; "other" if it holds anything but
       letters, digits, '-' and '_'. -->
  <xsl:template name="token">
    <xsl:param name="value"/>
    <xsl:variable name="v" select="translate(string($value), $upper, $lower)"/>
    <xsl:choose>
      <xsl:when test="$v != '' and translate($v, $token-chars, '') = ''"><xsl:value-of select="$v"/></xsl:when>
      <xsl:otherwise>other</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- "release-checklist" -> "Release checklist" -->
  <xsl:template name="humanize">
    <xsl:param name="value"/>
    <xsl:variable name="v" select="translate(string($value), '-_', '  ')"/>
    <xsl:value-of select="concat(translate(substring($v, 1, 1), $lower, $upper), substring($v, 2))"/>
  </xsl:template>

  <xsl:template name="or-dash">
    <xsl:param name="value"/>
    <xsl:choose>
      <xsl:when test="string($value) != ''"><xsl:value-of select="$value"/></xsl:when>
      <xsl:otherwise><span class="muted">—</span></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="standard-name">
    <xsl:choose>
      <xsl:when test="$site/@standard-title"><xsl:value-of select="$site/@standard-title"/></xsl:when>
      <xsl:when test="$site/@standard"><xsl:value-of select="$site/@standard"/></xsl:when>
      <xsl:otherwise>IEC 81001-5-1</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

</xsl:stylesheet>
