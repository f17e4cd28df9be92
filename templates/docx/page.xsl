<?xml version="1.0" encoding="UTF-8"?>
<!--
  techfile: DOCX template.

  Input : one page of the technical file (see templates/FORMAT.md).
  Output: a <package> of <part name="..."> elements, each holding the root element of
          one part of the .docx. techfile serialises every part with an XML declaration
          and adds every file of templates/docx/parts/ that this stylesheet did not emit
          (word/styles.xml, word/settings.xml, word/fontTable.xml).

  Restyling: most of the look lives in parts/word/styles.xml (fonts, colours, spacing of the
  styles named below). This stylesheet decides which style each element gets:

    heading level N      Heading1 .. Heading6 (with a bookmark named heading/@bookmark)
    paragraph            Normal; ListParagraph in list items; Quote in block quotes;
                         FootnoteText in footnotes
    code_block/html_block SourceCode (one paragraph per line)
    code                 VerbatimChar          link            Hyperlink
    table                TableGrid, cell paragraphs TableText (TableTextSmall if wide)
    audit_defense        AuditDefense          gap_flag        GapFlag
    badge                BadgeOk / BadgeWarn / BadgeBad / BadgeNeutral
    thematic_break       HorizontalRule        image caption   Caption
    title block          Subtitle, Title, InfoHeading, TableText, GeneratedNote
    table of contents    TOCHeading, TOC1 .. TOC3
    header/footer        Header, Footer

  Relationship ids used by word/document.xml (fixed, never "rId<digit>"):
    rStyles rNumbering rSettings rFontTable rHeader1 rFooter1 rFootnotes
  plus every page/rels/rel allocated by techfile (hyperlinks and images).

  XSLT 1.0 only. exsl:node-set is used, when available, for one cosmetic purpose: declaring
  all namespaces on the root element of word/document.xml and friends (see "ns-decls").
  Without EXSLT the output is the same document with the declarations further down.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
    xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
    xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"
    xmlns:exsl="http://exslt.org/common"
    exclude-result-prefixes="w r wp a pic exsl">

  <xsl:output method="xml" encoding="UTF-8" indent="no"/>

  <!-- ===================================================================================
       Settings you may want to change
       =================================================================================== -->

  <!-- Page: A4 with 1440-twip (1 inch) margins. Documents are portrait; generated pages
       with a table of 6 columns or more (the compliance matrix) are landscape. -->
  <xsl:variable name="landscape"
      select="/page/@kind != 'document' and /page/@kind != 'combined' and /page/@kind != 'chapter'
              and /page/document//table[@columns &gt;= 6]"/>
  <xsl:variable name="page-width" select="11906 + number($landscape) * (16838 - 11906)"/>
  <xsl:variable name="page-height" select="16838 - number($landscape) * (16838 - 11906)"/>
  <xsl:variable name="margin" select="1440"/>
  <!-- Text width in twips (9026 in portrait). -->
  <xsl:variable name="text-width" select="$page-width - 2 * $margin"/>
  <!-- Largest picture, in EMU (1 twip = 635 EMU): the text width, and the text height. -->
  <xsl:variable name="max-cx" select="$text-width * 635"/>
  <xsl:variable name="max-cy" select="($page-height - 2 * $margin) * 635"/>
  <!-- Indentation of one list level, in twips (numbering.xml and list continuation). -->
  <xsl:variable name="list-indent" select="720"/>
  <!-- Fill of header rows, of label cells in the title block. -->
  <xsl:variable name="header-fill" select="'D9E2F3'"/>
  <xsl:variable name="label-fill" select="'F2F2F2'"/>

  <!-- ===================================================================================
       Page data
       =================================================================================== -->

  <xsl:variable name="page" select="/page"/>
  <xsl:variable name="site" select="/page/site"/>
  <xsl:variable name="meta" select="/page/meta"/>
  <xsl:variable name="is-document" select="/page/@kind = 'document'"/>
  <xsl:variable name="std-title">
    <xsl:choose>
      <xsl:when test="string($site/@standard-title) != ''">
        <xsl:value-of select="$site/@standard-title"/>
      </xsl:when>
      <xsl:otherwise>IEC 81001-5-1</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <!-- "Pulsewise Monitor 3.2.0" -->
  <xsl:variable name="product">
    <xsl:value-of select="$site/@product"/>
    <xsl:if test="string($site/@product-version) != ''">
      <xsl:value-of select="concat(' ', $site/@product-version)"/>
    </xsl:if>
  </xsl:variable>
  <xsl:variable name="lower" select="'abcdefghijklmnopqrstuvwxyz'"/>
  <xsl:variable name="upper" select="'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"/>
  <xsl:variable name="nl" select="'&#10;'"/>

  <!-- Bookmark ids (integers, unique in word/document.xml). A chapter of the combined file
       starts at the page's @bookmark-base, above the ids of the chapters before it. -->
  <xsl:variable name="bookmark-base">
    <xsl:choose>
      <xsl:when test="/page/@bookmark-base &gt;= 0"><xsl:value-of select="number(/page/@bookmark-base)"/></xsl:when>
      <xsl:otherwise>0</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="bookmarks-top" select="count(/page/document/*)"/>
  <xsl:variable name="bookmarks-nested" select="$bookmarks-top + count(/page/document//heading)"/>

  <!-- Lookups (keys keep the stylesheet linear on pages with thousands of nodes). -->
  <xsl:key name="footnote" match="footnote_definition" use="@n"/>
  <xsl:key name="heading-by-anchor" match="heading" use="@anchor"/>
  <xsl:key name="list-by-num" match="list" use="@num"/>

  <!-- Content-type and relationship URIs. -->
  <xsl:variable name="ct-wml" select="'application/vnd.openxmlformats-officedocument.wordprocessingml.'"/>
  <xsl:variable name="rel-base" select="'http://schemas.openxmlformats.org/officeDocument/2006/relationships/'"/>

  <!-- ===================================================================================
       The package
       =================================================================================== -->

  <xsl:template match="/">
    <package>
      <xsl:choose>
        <!-- A chapter of the combined file: techfile takes its body, its lists' w:num and its
             footnotes into the combined file's parts, and nothing else. -->
        <xsl:when test="$page/@kind = 'chapter'">
          <part name="word/document.xml"><xsl:call-template name="document"/></part>
          <part name="word/numbering.xml"><xsl:call-template name="numbering"/></part>
          <part name="word/footnotes.xml"><xsl:call-template name="footnotes"/></part>
        </xsl:when>
        <xsl:otherwise><xsl:call-template name="package-parts"/></xsl:otherwise>
      </xsl:choose>
    </package>
  </xsl:template>

  <xsl:template name="package-parts">
      <part name="[Content_Types].xml"><xsl:call-template name="content-types"/></part>
      <part name="_rels/.rels"><xsl:call-template name="package-rels"/></part>
      <part name="docProps/core.xml"><xsl:call-template name="core-properties"/></part>
      <part name="docProps/app.xml"><xsl:call-template name="app-properties"/></part>
      <part name="docProps/custom.xml"><xsl:call-template name="custom-properties"/></part>
      <part name="word/document.xml"><xsl:call-template name="document"/></part>
      <part name="word/_rels/document.xml.rels"><xsl:call-template name="document-rels"/></part>
      <part name="word/numbering.xml"><xsl:call-template name="numbering"/></part>
      <part name="word/footnotes.xml"><xsl:call-template name="footnotes"/></part>
      <xsl:if test="$page/document/footnote_definition//*[@rid] or ($page/@kind = 'combined' and $page/rels/rel)">
        <part name="word/_rels/footnotes.xml.rels"><xsl:call-template name="footnotes-rels"/></part>
      </xsl:if>
      <part name="word/header1.xml"><xsl:call-template name="header"/></part>
      <part name="word/footer1.xml"><xsl:call-template name="footer"/></part>
  </xsl:template>

  <!-- Copies the declarations of w, r, wp, a, pic onto the current result element, so that a
       part's root element declares them once (needs exsl:node-set; optional). -->
  <xsl:variable name="ns-holder-rtf">
    <w:ns r:ns="" wp:ns="" a:ns="" pic:ns=""/>
  </xsl:variable>
  <xsl:template name="ns-decls">
    <xsl:param name="prefixes" select="' w r wp a pic '"/>
    <xsl:if test="function-available('exsl:node-set')">
      <xsl:variable name="holder" select="exsl:node-set($ns-holder-rtf)/*"/>
      <xsl:copy-of select="$holder/namespace::*[contains($prefixes, concat(' ', name(), ' '))]"/>
    </xsl:if>
  </xsl:template>

  <!-- [Content_Types].xml. If you add a static part under parts/, add its Override here. -->
  <xsl:template name="content-types">
    <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
      <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
      <Default Extension="xml" ContentType="application/xml"/>
      <Default Extension="png" ContentType="image/png"/>
      <Default Extension="jpeg" ContentType="image/jpeg"/>
      <Default Extension="jpg" ContentType="image/jpeg"/>
      <Default Extension="gif" ContentType="image/gif"/>
      <Default Extension="svg" ContentType="image/svg+xml"/>
      <Override PartName="/word/document.xml" ContentType="{$ct-wml}document.main+xml"/>
      <Override PartName="/word/styles.xml" ContentType="{$ct-wml}styles+xml"/>
      <Override PartName="/word/settings.xml" ContentType="{$ct-wml}settings+xml"/>
      <Override PartName="/word/fontTable.xml" ContentType="{$ct-wml}fontTable+xml"/>
      <Override PartName="/word/numbering.xml" ContentType="{$ct-wml}numbering+xml"/>
      <Override PartName="/word/footnotes.xml" ContentType="{$ct-wml}footnotes+xml"/>
      <Override PartName="/word/header1.xml" ContentType="{$ct-wml}header+xml"/>
      <Override PartName="/word/footer1.xml" ContentType="{$ct-wml}footer+xml"/>
      <Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
      <Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>
      <Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>
    </Types>
  </xsl:template>

  <xsl:template name="package-rels">
    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
      <Relationship Id="rDocument" Type="{$rel-base}officeDocument" Target="word/document.xml"/>
      <Relationship Id="rCore" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
      <Relationship Id="rApp" Type="{$rel-base}extended-properties" Target="docProps/app.xml"/>
      <Relationship Id="rCustom" Type="{$rel-base}custom-properties" Target="docProps/custom.xml"/>
    </Relationships>
  </xsl:template>

  <xsl:template name="document-rels">
    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
      <Relationship Id="rStyles" Type="{$rel-base}styles" Target="styles.xml"/>
      <Relationship Id="rNumbering" Type="{$rel-base}numbering" Target="numbering.xml"/>
      <Relationship Id="rSettings" Type="{$rel-base}settings" Target="settings.xml"/>
      <Relationship Id="rFontTable" Type="{$rel-base}fontTable" Target="fontTable.xml"/>
      <Relationship Id="rHeader1" Type="{$rel-base}header" Target="header1.xml"/>
      <Relationship Id="rFooter1" Type="{$rel-base}footer" Target="footer1.xml"/>
      <Relationship Id="rFootnotes" Type="{$rel-base}footnotes" Target="footnotes.xml"/>
      <xsl:apply-templates select="$page/rels/rel" mode="rel"/>
    </Relationships>
  </xsl:template>

  <!-- Footnotes have their own relationships: the same hyperlinks and images. -->
  <xsl:template name="footnotes-rels">
    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
      <xsl:apply-templates select="$page/rels/rel" mode="rel"/>
    </Relationships>
  </xsl:template>

  <xsl:template match="rel[@type = 'hyperlink' or @type = 'image']" mode="rel">
    <Relationship xmlns="http://schemas.openxmlformats.org/package/2006/relationships"
                  Id="{@id}" Type="{$rel-base}{@type}" Target="{@target}">
      <xsl:if test="@mode = 'External'">
        <xsl:attribute name="TargetMode">External</xsl:attribute>
      </xsl:if>
    </Relationship>
  </xsl:template>
  <xsl:template match="rel" mode="rel"/>

  <!-- ===================================================================================
       Document properties
       =================================================================================== -->

  <xsl:template name="core-properties">
    <cp:coreProperties
        xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
        xmlns:dc="http://purl.org/dc/elements/1.1/"
        xmlns:dcterms="http://purl.org/dc/terms/"
        xmlns:dcmitype="http://purl.org/dc/dcmitype/"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <dc:title><xsl:value-of select="$meta/@title"/></dc:title>
      <dc:subject><xsl:value-of select="$product"/></dc:subject>
      <dc:creator>
        <xsl:choose>
          <xsl:when test="string($meta/@owner) != ''"><xsl:value-of select="$meta/@owner"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="$site/@manufacturer"/></xsl:otherwise>
        </xsl:choose>
      </dc:creator>
      <dc:identifier><xsl:value-of select="$meta/@id"/></dc:identifier>
      <cp:lastModifiedBy><xsl:value-of select="$site/@generator"/></cp:lastModifiedBy>
      <!-- cp:revision is read as an integer by Word and python-docx (a save counter):
           it gets the number of revisions; the document version goes to cp:version. -->
      <cp:revision>
        <xsl:value-of select="count($meta/revision) + number(not($meta/revision))"/>
      </cp:revision>
      <xsl:if test="string($meta/@version) != ''">
        <cp:version><xsl:value-of select="$meta/@version"/></cp:version>
      </xsl:if>
      <xsl:if test="string($meta/@status) != ''">
        <cp:contentStatus><xsl:value-of select="$meta/@status"/></cp:contentStatus>
      </xsl:if>
      <xsl:if test="string($meta/@type) != ''">
        <cp:category><xsl:value-of select="$meta/@type"/></cp:category>
      </xsl:if>
      <xsl:variable name="created">
        <xsl:choose>
          <xsl:when test="string-length($meta/@approval-date) = 10"><xsl:value-of select="$meta/@approval-date"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="$site/@build-date"/></xsl:otherwise>
        </xsl:choose>
      </xsl:variable>
      <xsl:if test="string-length($created) = 10">
        <dcterms:created xsi:type="dcterms:W3CDTF"><xsl:value-of select="concat($created, 'T00:00:00Z')"/></dcterms:created>
      </xsl:if>
      <xsl:if test="string-length($site/@build-date) = 10">
        <dcterms:modified xsi:type="dcterms:W3CDTF"><xsl:value-of select="concat($site/@build-date, 'T00:00:00Z')"/></dcterms:modified>
      </xsl:if>
    </cp:coreProperties>
  </xsl:template>

  <xsl:template name="app-properties">
    <Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">
      <Company><xsl:value-of select="$site/@manufacturer"/></Company>
      <ScaleCrop>false</ScaleCrop>
      <LinksUpToDate>false</LinksUpToDate>
      <SharedDoc>false</SharedDoc>
      <HyperlinksChanged>false</HyperlinksChanged>
      <Application><xsl:value-of select="$site/@generator"/></Application>
      <DocSecurity>0</DocSecurity>
    </Properties>
  </xsl:template>

  <!-- Custom properties (File > Properties > Custom in Word): usable in DOCPROPERTY fields. -->
  <xsl:template name="custom-properties">
    <Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
                xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">
      <xsl:call-template name="custom-property">
        <xsl:with-param name="pid" select="2"/><xsl:with-param name="name" select="'Product'"/>
        <xsl:with-param name="value" select="$site/@product"/>
      </xsl:call-template>
      <xsl:call-template name="custom-property">
        <xsl:with-param name="pid" select="3"/><xsl:with-param name="name" select="'ProductVersion'"/>
        <xsl:with-param name="value" select="$site/@product-version"/>
      </xsl:call-template>
      <xsl:call-template name="custom-property">
        <xsl:with-param name="pid" select="4"/><xsl:with-param name="name" select="'Manufacturer'"/>
        <xsl:with-param name="value" select="$site/@manufacturer"/>
      </xsl:call-template>
      <xsl:call-template name="custom-property">
        <xsl:with-param name="pid" select="5"/><xsl:with-param name="name" select="'DocumentId'"/>
        <xsl:with-param name="value" select="$meta/@id"/>
      </xsl:call-template>
      <xsl:call-template name="custom-property">
        <xsl:with-param name="pid" select="6"/><xsl:with-param name="name" select="'DocumentVersion'"/>
        <xsl:with-param name="value" select="$meta/@version"/>
      </xsl:call-template>
      <xsl:call-template name="custom-property">
        <xsl:with-param name="pid" select="7"/><xsl:with-param name="name" select="'Status'"/>
        <xsl:with-param name="value" select="$meta/@status"/>
      </xsl:call-template>
      <xsl:call-template name="custom-property">
        <xsl:with-param name="pid" select="8"/><xsl:with-param name="name" select="'Owner'"/>
        <xsl:with-param name="value" select="$meta/@owner"/>
      </xsl:call-template>
      <xsl:call-template name="custom-property">
        <xsl:with-param name="pid" select="9"/><xsl:with-param name="name" select="'ApprovalDate'"/>
        <xsl:with-param name="value" select="$meta/@approval-date"/>
      </xsl:call-template>
      <xsl:call-template name="custom-property">
        <xsl:with-param name="pid" select="10"/><xsl:with-param name="name" select="'Standard'"/>
        <xsl:with-param name="value" select="$site/@standard-title"/>
      </xsl:call-template>
      <xsl:call-template name="custom-property">
        <xsl:with-param name="pid" select="11"/><xsl:with-param name="name" select="'BuildDate'"/>
        <xsl:with-param name="value" select="$site/@build-date"/>
      </xsl:call-template>
    </Properties>
  </xsl:template>

  <!-- One custom property; omitted when the value is absent. -->
  <xsl:template name="custom-property">
    <xsl:param name="pid"/>
    <xsl:param name="name"/>
    <xsl:param name="value"/>
    <xsl:if test="string($value) != ''">
      <property xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
                xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
                fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{$pid}" name="{$name}">
        <vt:lpwstr><xsl:value-of select="$value"/></vt:lpwstr>
      </property>
    </xsl:if>
  </xsl:template>

  <!-- ===================================================================================
       word/document.xml
       =================================================================================== -->

  <xsl:template name="document">
    <w:document>
      <xsl:call-template name="ns-decls"/>
      <w:body>
        <!-- A chapter of the combined file is its body alone: the combined file has one title
             block and one table of contents (techfile splices the chapters in, see "chapter"). -->
        <xsl:if test="$page/@kind != 'chapter'">
          <xsl:choose>
            <xsl:when test="$is-document"><xsl:call-template name="title-block"/></xsl:when>
            <xsl:otherwise><xsl:call-template name="generated-title-block"/></xsl:otherwise>
          </xsl:choose>
          <xsl:call-template name="toc"/>
        </xsl:if>
        <!-- The body. Footnote definitions go to footnotes.xml. The heading template uses
             position() in this node set as its bookmark id. -->
        <xsl:apply-templates select="$page/document/*[not(self::footnote_definition)]"/>
        <w:sectPr>
          <w:headerReference w:type="default" r:id="rHeader1"/>
          <w:footerReference w:type="default" r:id="rFooter1"/>
          <w:pgSz w:w="{$page-width}" w:h="{$page-height}">
            <xsl:if test="$landscape"><xsl:attribute name="w:orient">landscape</xsl:attribute></xsl:if>
          </w:pgSz>
          <w:pgMar w:top="{$margin}" w:right="{$margin}" w:bottom="{$margin}" w:left="{$margin}"
                   w:header="708" w:footer="708" w:gutter="0"/>
          <w:cols w:space="708"/>
          <w:docGrid w:linePitch="360"/>
        </w:sectPr>
      </w:body>
    </w:document>
  </xsl:template>

  <!-- ===================================================================================
       Title block
       =================================================================================== -->

  <!-- Title block of a document: product, title, identification table, approvals,
       revision history, the clauses the document is evidence for. -->
  <xsl:template name="title-block">
    <w:p>
      <w:pPr><w:pStyle w:val="Subtitle"/></w:pPr>
      <w:r><w:t xml:space="preserve"><xsl:value-of select="$product"/></w:t></w:r>
      <xsl:if test="string($site/@manufacturer) != ''">
        <w:r><w:t xml:space="preserve"><xsl:value-of select="concat('  ·  ', $site/@manufacturer)"/></w:t></w:r>
      </xsl:if>
    </w:p>
    <w:p>
      <w:pPr><w:pStyle w:val="Title"/></w:pPr>
      <w:r><w:t xml:space="preserve"><xsl:value-of select="$meta/@title"/></w:t></w:r>
    </w:p>

    <!-- Identification: label | value | label | value -->
    <w:tbl>
      <xsl:call-template name="info-table-props"><xsl:with-param name="header-row" select="false()"/></xsl:call-template>
      <w:tblGrid>
        <w:gridCol w:w="1700"/><w:gridCol w:w="2813"/><w:gridCol w:w="1700"/><w:gridCol w:w="2813"/>
      </w:tblGrid>
      <w:tr>
        <xsl:call-template name="label-cell"><xsl:with-param name="text" select="'Document ID'"/></xsl:call-template>
        <xsl:call-template name="value-cell"><xsl:with-param name="text" select="$meta/@id"/></xsl:call-template>
        <xsl:call-template name="label-cell"><xsl:with-param name="text" select="'Version'"/></xsl:call-template>
        <xsl:call-template name="value-cell"><xsl:with-param name="text" select="$meta/@version"/></xsl:call-template>
      </w:tr>
      <w:tr>
        <xsl:call-template name="label-cell"><xsl:with-param name="text" select="'Status'"/></xsl:call-template>
        <w:tc>
          <w:tcPr><w:tcW w:w="2813" w:type="dxa"/></w:tcPr>
          <w:p>
            <w:pPr><w:pStyle w:val="TableText"/></w:pPr>
            <xsl:choose>
              <xsl:when test="string($meta/@status) != ''">
                <xsl:call-template name="badge-run">
                  <xsl:with-param name="value" select="$meta/@status"/>
                  <xsl:with-param name="label">
                    <xsl:call-template name="capitalize"><xsl:with-param name="s" select="$meta/@status"/></xsl:call-template>
                  </xsl:with-param>
                </xsl:call-template>
              </xsl:when>
              <xsl:otherwise><w:r><w:t>—</w:t></w:r></xsl:otherwise>
            </xsl:choose>
          </w:p>
        </w:tc>
        <xsl:call-template name="label-cell"><xsl:with-param name="text" select="'Owner'"/></xsl:call-template>
        <xsl:call-template name="value-cell"><xsl:with-param name="text" select="$meta/@owner"/></xsl:call-template>
      </w:tr>
      <w:tr>
        <xsl:call-template name="label-cell"><xsl:with-param name="text" select="'Type'"/></xsl:call-template>
        <xsl:call-template name="value-cell">
          <xsl:with-param name="text">
            <xsl:call-template name="capitalize"><xsl:with-param name="s" select="$meta/@type"/></xsl:call-template>
          </xsl:with-param>
        </xsl:call-template>
        <xsl:call-template name="label-cell"><xsl:with-param name="text" select="'Approved'"/></xsl:call-template>
        <xsl:call-template name="value-cell"><xsl:with-param name="text" select="$meta/@approval-date"/></xsl:call-template>
      </w:tr>
    </w:tbl>

    <!-- Approvals -->
    <w:p>
      <w:pPr><w:pStyle w:val="InfoHeading"/></w:pPr>
      <w:r><w:t>Approvals</w:t></w:r>
    </w:p>
    <xsl:choose>
      <xsl:when test="$meta/approval">
        <w:tbl>
          <xsl:call-template name="info-table-props"/>
          <w:tblGrid><w:gridCol w:w="3613"/><w:gridCol w:w="3613"/><w:gridCol w:w="1800"/></w:tblGrid>
          <w:tr>
            <w:trPr><w:tblHeader/></w:trPr>
            <xsl:call-template name="head-cell"><xsl:with-param name="text" select="'Name'"/><xsl:with-param name="width" select="3613"/></xsl:call-template>
            <xsl:call-template name="head-cell"><xsl:with-param name="text" select="'Role'"/><xsl:with-param name="width" select="3613"/></xsl:call-template>
            <xsl:call-template name="head-cell"><xsl:with-param name="text" select="'Date'"/><xsl:with-param name="width" select="1800"/></xsl:call-template>
          </w:tr>
          <xsl:for-each select="$meta/approval">
            <w:tr>
              <w:trPr><w:cantSplit/></w:trPr>
              <xsl:call-template name="value-cell"><xsl:with-param name="text" select="@name"/><xsl:with-param name="width" select="3613"/></xsl:call-template>
              <xsl:call-template name="value-cell"><xsl:with-param name="text" select="@role"/><xsl:with-param name="width" select="3613"/></xsl:call-template>
              <xsl:call-template name="value-cell"><xsl:with-param name="text" select="@date"/><xsl:with-param name="width" select="1800"/></xsl:call-template>
            </w:tr>
          </xsl:for-each>
        </w:tbl>
      </xsl:when>
      <xsl:otherwise>
        <w:p><w:r><w:rPr><w:i/></w:rPr><w:t>No approvals recorded.</w:t></w:r></w:p>
      </xsl:otherwise>
    </xsl:choose>

    <!-- Revision history -->
    <w:p>
      <w:pPr><w:pStyle w:val="InfoHeading"/></w:pPr>
      <w:r><w:t>Revision history</w:t></w:r>
    </w:p>
    <xsl:choose>
      <xsl:when test="$meta/revision">
        <w:tbl>
          <xsl:call-template name="info-table-props"/>
          <w:tblGrid><w:gridCol w:w="1100"/><w:gridCol w:w="1500"/><w:gridCol w:w="2000"/><w:gridCol w:w="4426"/></w:tblGrid>
          <w:tr>
            <w:trPr><w:tblHeader/></w:trPr>
            <xsl:call-template name="head-cell"><xsl:with-param name="text" select="'Version'"/><xsl:with-param name="width" select="1100"/></xsl:call-template>
            <xsl:call-template name="head-cell"><xsl:with-param name="text" select="'Date'"/><xsl:with-param name="width" select="1500"/></xsl:call-template>
            <xsl:call-template name="head-cell"><xsl:with-param name="text" select="'Author'"/><xsl:with-param name="width" select="2000"/></xsl:call-template>
            <xsl:call-template name="head-cell"><xsl:with-param name="text" select="'Change'"/><xsl:with-param name="width" select="4426"/></xsl:call-template>
          </w:tr>
          <xsl:for-each select="$meta/revision">
            <w:tr>
              <w:trPr><w:cantSplit/></w:trPr>
              <xsl:call-template name="value-cell"><xsl:with-param name="text" select="@version"/><xsl:with-param name="width" select="1100"/></xsl:call-template>
              <xsl:call-template name="value-cell"><xsl:with-param name="text" select="@date"/><xsl:with-param name="width" select="1500"/></xsl:call-template>
              <xsl:call-template name="value-cell"><xsl:with-param name="text" select="@author"/><xsl:with-param name="width" select="2000"/></xsl:call-template>
              <xsl:call-template name="value-cell"><xsl:with-param name="text" select="@change"/><xsl:with-param name="width" select="4426"/></xsl:call-template>
            </w:tr>
          </xsl:for-each>
        </w:tbl>
      </xsl:when>
      <xsl:otherwise>
        <w:p><w:r><w:rPr><w:i/></w:rPr><w:t>No revisions recorded.</w:t></w:r></w:p>
      </xsl:otherwise>
    </xsl:choose>

    <!-- Clauses this document is evidence for (front matter "evidence"). -->
    <xsl:if test="$meta/claim">
      <w:p>
        <w:pPr><w:pStyle w:val="InfoHeading"/></w:pPr>
        <w:r><w:t xml:space="preserve"><xsl:value-of select="concat('Evidence for ', $std-title)"/></w:t></w:r>
      </w:p>
      <w:tbl>
        <xsl:call-template name="info-table-props"/>
        <w:tblGrid><w:gridCol w:w="1100"/><w:gridCol w:w="3926"/><w:gridCol w:w="1300"/><w:gridCol w:w="2700"/></w:tblGrid>
        <w:tr>
          <w:trPr><w:tblHeader/></w:trPr>
          <xsl:call-template name="head-cell"><xsl:with-param name="text" select="'Clause'"/><xsl:with-param name="width" select="1100"/></xsl:call-template>
          <xsl:call-template name="head-cell"><xsl:with-param name="text" select="'Requirement'"/><xsl:with-param name="width" select="3926"/></xsl:call-template>
          <xsl:call-template name="head-cell"><xsl:with-param name="text" select="'Status'"/><xsl:with-param name="width" select="1300"/></xsl:call-template>
          <xsl:call-template name="head-cell"><xsl:with-param name="text" select="'Section'"/><xsl:with-param name="width" select="2700"/></xsl:call-template>
        </w:tr>
        <xsl:for-each select="$meta/claim">
          <xsl:variable name="target" select="key('heading-by-anchor', @section)[1]"/>
          <w:tr>
            <w:trPr><w:cantSplit/></w:trPr>
            <xsl:call-template name="value-cell"><xsl:with-param name="text" select="concat('§', @clause)"/><xsl:with-param name="width" select="1100"/></xsl:call-template>
            <xsl:call-template name="value-cell"><xsl:with-param name="text" select="@title"/><xsl:with-param name="width" select="3926"/></xsl:call-template>
            <w:tc>
              <w:tcPr><w:tcW w:w="1300" w:type="dxa"/></w:tcPr>
              <w:p>
                <w:pPr><w:pStyle w:val="TableText"/></w:pPr>
                <xsl:call-template name="badge-run">
                  <xsl:with-param name="value" select="@status"/>
                  <xsl:with-param name="label">
                    <xsl:call-template name="capitalize"><xsl:with-param name="s" select="@status"/></xsl:call-template>
                  </xsl:with-param>
                </xsl:call-template>
              </w:p>
            </w:tc>
            <w:tc>
              <w:tcPr><w:tcW w:w="2700" w:type="dxa"/></w:tcPr>
              <w:p>
                <w:pPr><w:pStyle w:val="TableText"/></w:pPr>
                <xsl:choose>
                  <xsl:when test="$target/@bookmark">
                    <w:hyperlink w:anchor="{$target/@bookmark}" w:history="1">
                      <w:r>
                        <w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr>
                        <w:t xml:space="preserve"><xsl:value-of select="normalize-space($target)"/></w:t>
                      </w:r>
                    </w:hyperlink>
                  </xsl:when>
                  <xsl:when test="string(@section) != ''">
                    <w:r><w:t xml:space="preserve"><xsl:value-of select="@section"/></w:t></w:r>
                  </xsl:when>
                  <xsl:otherwise><w:r><w:t>Whole document</w:t></w:r></xsl:otherwise>
                </xsl:choose>
              </w:p>
            </w:tc>
          </w:tr>
        </xsl:for-each>
      </w:tbl>
    </xsl:if>
  </xsl:template>

  <!-- Title block of a generated page (index, matrix, gap list, ...). -->
  <xsl:template name="generated-title-block">
    <w:p>
      <w:pPr><w:pStyle w:val="Subtitle"/></w:pPr>
      <w:r><w:t xml:space="preserve"><xsl:value-of select="$product"/></w:t></w:r>
      <xsl:if test="string($site/@manufacturer) != ''">
        <w:r><w:t xml:space="preserve"><xsl:value-of select="concat('  ·  ', $site/@manufacturer)"/></w:t></w:r>
      </xsl:if>
    </w:p>
    <w:p>
      <w:pPr><w:pStyle w:val="Title"/></w:pPr>
      <w:r><w:t xml:space="preserve"><xsl:value-of select="$meta/@title"/></w:t></w:r>
    </w:p>
    <w:p>
      <w:pPr><w:pStyle w:val="GeneratedNote"/></w:pPr>
      <w:r>
        <w:t xml:space="preserve"><xsl:value-of select="concat('Generated by ', $site/@generator, ' on ', $site/@build-date, ' from the technical file; ', $std-title, '.')"/></w:t>
      </w:r>
    </w:p>
  </xsl:template>

  <!-- Properties of the title-block tables. -->
  <xsl:template name="info-table-props">
    <xsl:param name="header-row" select="true()"/>
    <w:tblPr>
      <w:tblStyle w:val="TableGrid"/>
      <w:tblW w:w="5000" w:type="pct"/>
      <w:tblLayout w:type="fixed"/>
      <w:tblLook w:val="{substring('0620', 1, 4 * number($header-row))}{substring('0600', 1, 4 * number(not($header-row)))}"
                 w:firstRow="{number($header-row)}" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>
    </w:tblPr>
  </xsl:template>

  <xsl:template name="label-cell">
    <xsl:param name="text"/>
    <xsl:param name="width" select="1700"/>
    <w:tc>
      <w:tcPr>
        <w:tcW w:w="{$width}" w:type="dxa"/>
        <w:shd w:val="clear" w:color="auto" w:fill="{$label-fill}"/>
      </w:tcPr>
      <w:p>
        <w:pPr><w:pStyle w:val="TableText"/></w:pPr>
        <w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve"><xsl:value-of select="$text"/></w:t></w:r>
      </w:p>
    </w:tc>
  </xsl:template>

  <xsl:template name="head-cell">
    <xsl:param name="text"/>
    <xsl:param name="width"/>
    <w:tc>
      <w:tcPr>
        <w:tcW w:w="{$width}" w:type="dxa"/>
        <w:shd w:val="clear" w:color="auto" w:fill="{$header-fill}"/>
      </w:tcPr>
      <w:p>
        <w:pPr><w:pStyle w:val="TableText"/></w:pPr>
        <w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve"><xsl:value-of select="$text"/></w:t></w:r>
      </w:p>
    </w:tc>
  </xsl:template>

  <!-- A plain value cell; "—" when the value is absent. -->
  <xsl:template name="value-cell">
    <xsl:param name="text"/>
    <xsl:param name="width" select="2813"/>
    <w:tc>
      <w:tcPr><w:tcW w:w="{$width}" w:type="dxa"/></w:tcPr>
      <w:p>
        <w:pPr><w:pStyle w:val="TableText"/></w:pPr>
        <w:r>
          <xsl:choose>
            <xsl:when test="string($text) != ''"><w:t xml:space="preserve"><xsl:value-of select="$text"/></w:t></xsl:when>
            <xsl:otherwise><w:t>—</w:t></xsl:otherwise>
          </xsl:choose>
        </w:r>
      </w:p>
    </w:tc>
  </xsl:template>

  <!-- ===================================================================================
       Table of contents: a TOC field whose result is already filled in (LibreOffice does not
       update fields on load; Word regenerates it, with page numbers, on "Update field").
       Documents get one when they have a heading of level 1-3; generated pages when they
       have two or more.
       =================================================================================== -->

  <xsl:template name="toc">
    <xsl:variable name="entries"
        select="$page/document//heading[@level &lt;= 3][not(ancestor::footnote_definition)]"/>
    <xsl:if test="($is-document and $entries) or count($entries) &gt; 1">
      <w:p>
        <w:pPr><w:pStyle w:val="TOCHeading"/></w:pPr>
        <w:r><w:t>Contents</w:t></w:r>
      </w:p>
      <xsl:for-each select="$entries">
        <w:p>
          <w:pPr><w:pStyle w:val="TOC{@level}"/></w:pPr>
          <xsl:if test="position() = 1">
            <w:r><w:fldChar w:fldCharType="begin"/></w:r>
            <w:r><w:instrText xml:space="preserve"> TOC \o "1-3" \h \z \u </w:instrText></w:r>
            <w:r><w:fldChar w:fldCharType="separate"/></w:r>
          </xsl:if>
          <xsl:choose>
            <xsl:when test="@bookmark">
              <w:hyperlink w:anchor="{@bookmark}" w:history="1">
                <w:r><w:t xml:space="preserve"><xsl:value-of select="normalize-space(.)"/></w:t></w:r>
              </w:hyperlink>
            </xsl:when>
            <xsl:otherwise>
              <w:r><w:t xml:space="preserve"><xsl:value-of select="normalize-space(.)"/></w:t></w:r>
            </xsl:otherwise>
          </xsl:choose>
        </w:p>
      </xsl:for-each>
      <w:p>
        <w:pPr><w:spacing w:after="0"/></w:pPr>
        <w:r><w:fldChar w:fldCharType="end"/></w:r>
      </w:p>
      <!-- Documents: the body starts on a new page (the paragraph left after the break is
           made tiny so that the new page does not start with an empty line). -->
      <xsl:if test="$is-document">
        <w:p>
          <w:pPr>
            <w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>
            <w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr>
          </w:pPr>
          <w:r><w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr><w:br w:type="page"/></w:r>
        </w:p>
      </xsl:if>
    </xsl:if>
  </xsl:template>

  <!-- ===================================================================================
       Blocks
       =================================================================================== -->

  <!-- Text nodes are only ever output through value-of: stray text never leaks into the
       package, and unknown elements are transparent. -->
  <xsl:template match="text()"/>
  <xsl:template match="*"><xsl:apply-templates select="*"/></xsl:template>

  <!-- The combined file (page kind "combined") lists its chapters as <chapter n="k"> holding
       only their headings, for the table of contents. Each chapter's body is rendered on its
       own (page kind "chapter") and spliced by techfile where this instruction stands. -->
  <xsl:template match="chapter">
    <xsl:processing-instruction name="techfile-chapter"><xsl:value-of select="@n"/></xsl:processing-instruction>
  </xsl:template>

  <!-- Bare text directly inside an inline container (e.g. <heading>Purpose</heading>) is a
       run, like a <text> element; whitespace-only nodes there are indentation. -->
  <xsl:template match="heading/text() | paragraph/text() | emph/text() | strong/text()
                       | strikethrough/text() | link/text() | table_cell/text()">
    <xsl:if test="normalize-space(.) != ''">
      <xsl:call-template name="run"/>
    </xsl:if>
  </xsl:template>

  <!-- Headings. The bookmark id must be a unique integer: position() among the body's
       top-level blocks (see "document"), then the rank of nested headings (rare), then the
       rank of table rows with bookmarks; all offset by $bookmark-base. -->
  <xsl:template match="heading">
    <xsl:variable name="level">
      <xsl:choose>
        <xsl:when test="@level &gt;= 1 and @level &lt;= 6"><xsl:value-of select="number(@level)"/></xsl:when>
        <xsl:otherwise>1</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="bookmark-id">
      <xsl:choose>
        <xsl:when test="parent::document"><xsl:value-of select="$bookmark-base + position()"/></xsl:when>
        <xsl:otherwise>
          <xsl:variable name="rank"><xsl:number level="any" count="heading"/></xsl:variable>
          <xsl:value-of select="$bookmark-base + $bookmarks-top + $rank"/>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <w:p>
      <w:pPr><w:pStyle w:val="Heading{$level}"/></w:pPr>
      <xsl:if test="@bookmark">
        <w:bookmarkStart w:id="{$bookmark-id}" w:name="{@bookmark}"/>
      </xsl:if>
      <xsl:apply-templates/>
      <xsl:if test="@bookmark">
        <w:bookmarkEnd w:id="{$bookmark-id}"/>
      </xsl:if>
    </w:p>
  </xsl:template>

  <xsl:template match="paragraph">
    <w:p>
      <xsl:call-template name="block-ppr">
        <xsl:with-param name="jc" select="substring('center', 1, 6 * (image[@kind = 'local'] and count(*) = 1))"/>
      </xsl:call-template>
      <xsl:call-template name="block-prefix"/>
      <xsl:apply-templates/>
    </w:p>
    <!-- A paragraph that is just a picture gets a caption from its alt text. -->
    <xsl:if test="image[@kind = 'local'] and count(*) = 1 and normalize-space(image) != ''">
      <w:p>
        <w:pPr><w:pStyle w:val="Caption"/><w:jc w:val="center"/></w:pPr>
        <w:r><w:t xml:space="preserve"><xsl:value-of select="normalize-space(image)"/></w:t></w:r>
      </w:p>
    </xsl:if>
  </xsl:template>

  <!-- Paragraph properties of a block paragraph, from where it sits:
       first block of a list item -> ListParagraph + numbering; later blocks of an item ->
       ListParagraph indented to the item's text; block quote -> Quote; footnote ->
       FootnoteText. $style forces a style (code blocks); $jc an alignment. -->
  <xsl:template name="block-ppr">
    <xsl:param name="style" select="''"/>
    <xsl:param name="jc" select="''"/>
    <xsl:variable name="in-item" select="boolean(parent::item)"/>
    <xsl:variable name="first-in-item" select="$in-item and not(preceding-sibling::*[1])"/>
    <xsl:variable name="depth" select="count(ancestor::item)"/>
    <xsl:variable name="loose" select="$in-item and ancestor::list[1]/@tight = 'false'"/>
    <!-- the last paragraph of an outermost list: space after it (else two lists in a row
         look like one) -->
    <xsl:variable name="list-end"
        select="$in-item and not(ancestor-or-self::*[ancestor::list][following-sibling::*[1]])"/>
    <xsl:variable name="pstyle">
      <xsl:choose>
        <xsl:when test="$style != ''"><xsl:value-of select="$style"/></xsl:when>
        <xsl:when test="parent::footnote_definition">FootnoteText</xsl:when>
        <xsl:when test="$in-item">ListParagraph</xsl:when>
        <xsl:when test="parent::block_quote">Quote</xsl:when>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="list-para" select="$pstyle = 'ListParagraph'"/>
    <w:pPr>
      <xsl:if test="$pstyle != ''"><w:pStyle w:val="{$pstyle}"/></xsl:if>
      <xsl:if test="$jc = 'center'"><w:keepNext/></xsl:if>
      <xsl:if test="$first-in-item and $list-para">
        <xsl:call-template name="num-pr"><xsl:with-param name="list" select="ancestor::list[1]"/></xsl:call-template>
      </xsl:if>
      <xsl:choose>
        <xsl:when test="$list-para and $list-end"><w:spacing w:after="160"/></xsl:when>
        <xsl:when test="$list-para and $loose"><w:spacing w:after="120"/></xsl:when>
      </xsl:choose>
      <!-- later blocks of an item line up with the item's text -->
      <xsl:if test="$depth &gt; 0 and not($first-in-item and $list-para)
                    and ($list-para or $pstyle = 'SourceCode')">
        <w:ind w:left="{$depth * $list-indent}"/>
      </xsl:if>
      <xsl:if test="$list-para and ($list-end or $loose)"><w:contextualSpacing w:val="0"/></xsl:if>
      <xsl:if test="$jc != ''"><w:jc w:val="{$jc}"/></xsl:if>
    </w:pPr>
  </xsl:template>

  <!-- w:numPr of a list paragraph: level = nesting depth, instance = list/@num. -->
  <xsl:template name="num-pr">
    <xsl:param name="list"/>
    <xsl:variable name="depth" select="count($list/ancestor-or-self::list) - 1"/>
    <xsl:if test="string($list/@num) != ''">
      <w:numPr>
        <w:ilvl w:val="{$depth * number($depth &lt;= 8) + 8 * number($depth &gt; 8)}"/>
        <w:numId w:val="{$list/@num}"/>
      </w:numPr>
    </xsl:if>
  </xsl:template>

  <!-- Runs that start a block: the footnote mark in a footnote, the box of a task item. -->
  <xsl:template name="block-prefix">
    <xsl:if test="not(preceding-sibling::*[1])">
      <xsl:if test="parent::footnote_definition">
        <w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>
        <w:r><w:t xml:space="preserve"> </w:t></w:r>
      </xsl:if>
      <xsl:if test="parent::item/@task">
        <xsl:call-template name="task-box"><xsl:with-param name="item" select="parent::item"/></xsl:call-template>
      </xsl:if>
    </xsl:if>
  </xsl:template>

  <xsl:template name="task-box">
    <xsl:param name="item"/>
    <w:r>
      <w:rPr><w:rFonts w:ascii="Segoe UI Symbol" w:hAnsi="Segoe UI Symbol" w:cs="Segoe UI Symbol"/></w:rPr>
      <w:t xml:space="preserve"><xsl:choose><xsl:when test="$item/@task = 'checked'">☒</xsl:when><xsl:otherwise>☐</xsl:otherwise></xsl:choose><xsl:text> </xsl:text></w:t>
    </w:r>
  </xsl:template>

  <xsl:template match="block_quote|list">
    <xsl:apply-templates select="*"/>
  </xsl:template>

  <!-- An item whose first block is not a paragraph still gets its number (or bullet). -->
  <xsl:template match="item">
    <xsl:if test="not(*[1][self::paragraph])">
      <w:p>
        <w:pPr>
          <w:pStyle w:val="ListParagraph"/>
          <xsl:call-template name="num-pr"><xsl:with-param name="list" select="parent::list"/></xsl:call-template>
        </w:pPr>
        <xsl:if test="@task">
          <xsl:call-template name="task-box"><xsl:with-param name="item" select="."/></xsl:call-template>
        </xsl:if>
      </w:p>
    </xsl:if>
    <xsl:apply-templates select="*"/>
  </xsl:template>

  <!-- Code: one SourceCode paragraph per line (the style draws one box around them). -->
  <xsl:template match="code_block|html_block">
    <xsl:variable name="text" select="string(.)"/>
    <xsl:variable name="len" select="string-length($text)"/>
    <xsl:call-template name="code-lines">
      <xsl:with-param name="text">
        <xsl:choose>
          <xsl:when test="substring($text, $len) = $nl"><xsl:value-of select="substring($text, 1, $len - 1)"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
        </xsl:choose>
      </xsl:with-param>
    </xsl:call-template>
  </xsl:template>

  <!-- Splits $text at newlines. Halves long texts first so that the recursion stays
       shallow (libxslt limits template depth) on code blocks of thousands of lines. -->
  <xsl:template name="code-lines">
    <xsl:param name="text"/>
    <xsl:variable name="len" select="string-length($text)"/>
    <xsl:choose>
      <xsl:when test="not(contains($text, $nl))">
        <xsl:call-template name="code-line"><xsl:with-param name="line" select="$text"/></xsl:call-template>
      </xsl:when>
      <xsl:when test="$len &gt; 400 and contains(substring($text, floor($len div 2) + 1), $nl)">
        <xsl:variable name="tail" select="substring($text, floor($len div 2) + 1)"/>
        <xsl:call-template name="code-lines">
          <xsl:with-param name="text" select="concat(substring($text, 1, floor($len div 2)), substring-before($tail, $nl))"/>
        </xsl:call-template>
        <xsl:call-template name="code-lines">
          <xsl:with-param name="text" select="substring-after($tail, $nl)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="code-line"><xsl:with-param name="line" select="substring-before($text, $nl)"/></xsl:call-template>
        <xsl:call-template name="code-lines"><xsl:with-param name="text" select="substring-after($text, $nl)"/></xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="code-line">
    <xsl:param name="line"/>
    <w:p>
      <xsl:call-template name="block-ppr"><xsl:with-param name="style" select="'SourceCode'"/></xsl:call-template>
      <xsl:if test="$line != ''">
        <w:r><w:t xml:space="preserve"><xsl:value-of select="$line"/></w:t></w:r>
      </xsl:if>
    </w:p>
  </xsl:template>

  <xsl:template match="thematic_break">
    <w:p><w:pPr><w:pStyle w:val="HorizontalRule"/></w:pPr></w:p>
  </xsl:template>

  <!-- Generated by techfile: the statement that a clause is met, with its evidence. -->
  <xsl:template match="audit_defense">
    <w:p>
      <xsl:call-template name="block-ppr"><xsl:with-param name="style" select="'AuditDefense'"/></xsl:call-template>
      <w:r>
        <w:rPr><w:b/><w:bCs/></w:rPr>
        <w:t xml:space="preserve"><xsl:value-of select="concat('Audit defense — ', $std-title, ' §', @clause, ' ', @clause-title, ' (generated by techfile)')"/></w:t>
      </w:r>
      <w:r><w:br/></w:r>
      <w:r><w:t xml:space="preserve"><xsl:value-of select="normalize-space(.)"/></w:t></w:r>
    </w:p>
  </xsl:template>

  <!-- Generated by techfile: a clause this document claims but does not meet. -->
  <xsl:template match="gap_flag">
    <w:p>
      <xsl:call-template name="block-ppr"><xsl:with-param name="style" select="'GapFlag'"/></xsl:call-template>
      <w:r>
        <w:rPr><w:b/><w:bCs/><w:color w:val="C00000"/></w:rPr>
        <w:t xml:space="preserve"><xsl:value-of select="concat('GAP — §', @clause, ' ', @clause-title, ' (', @severity, ')')"/></w:t>
      </w:r>
      <xsl:for-each select="reason">
        <w:r><w:br/></w:r>
        <w:r><w:t xml:space="preserve"><xsl:value-of select="concat('•  ', normalize-space(.))"/></w:t></w:r>
      </xsl:for-each>
    </w:p>
  </xsl:template>

  <!-- Tables: full width, header row repeated on every page and bold. Column widths (for
       readers that do not autofit, like LibreOffice): a column whose longest cell is short
       gets just the width of that cell; the long columns share the rest, a third of it
       evenly and two thirds in proportion to their longest cell (capped). -->
  <xsl:template match="table[not(table_row)]"/>  <!-- Word rejects a table without rows -->
  <xsl:template match="table">
    <xsl:variable name="columns">
      <xsl:choose>
        <xsl:when test="@columns &gt; 0"><xsl:value-of select="number(@columns)"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="count(table_row[1]/table_cell)"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="depth" select="count(ancestor::item)"/>
    <xsl:variable name="width" select="$text-width - $depth * $list-indent"/>
    <!-- "short-width long-count long-weight|need1 need2 ... ": width of the short columns,
         number and total (capped) weight of the long ones, and each column's need (worked out
         once: it sorts the column's cells) -->
    <xsl:variable name="sums">
      <xsl:call-template name="column-sums"><xsl:with-param name="columns" select="$columns"/></xsl:call-template>
    </xsl:variable>
    <xsl:variable name="totals" select="substring-before($sums, '|')"/>
    <xsl:variable name="short-width" select="number(substring-before($totals, ' '))"/>
    <xsl:variable name="long-count" select="number(substring-before(substring-after($totals, ' '), ' '))"/>
    <xsl:variable name="long-weight" select="number(substring-after(substring-after($totals, ' '), ' '))"/>
    <!-- A caption ("Table: ..." in the Markdown) above the table, numbered by a SEQ field
         that Word can update; it stays with the table on the page. -->
    <xsl:if test="normalize-space(@caption) != ''">
      <xsl:variable name="n"><xsl:number level="any" count="table[normalize-space(@caption) != '']"/></xsl:variable>
      <w:p>
        <w:pPr><w:pStyle w:val="Caption"/><w:keepNext/></w:pPr>
        <w:r><w:t xml:space="preserve">Table </w:t></w:r>
        <w:fldSimple w:instr=" SEQ Table \* ARABIC "><w:r><w:t><xsl:value-of select="$n"/></w:t></w:r></w:fldSimple>
        <w:r><w:t xml:space="preserve">: <xsl:value-of select="@caption"/></w:t></w:r>
      </w:p>
    </xsl:if>
    <w:tbl>
      <w:tblPr>
        <w:tblStyle w:val="TableGrid"/>
        <w:tblW w:w="5000" w:type="pct"/>
        <xsl:if test="$depth &gt; 0"><w:tblInd w:w="{$depth * $list-indent}" w:type="dxa"/></xsl:if>
        <w:tblLook w:val="0620" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>
      </w:tblPr>
      <w:tblGrid>
        <xsl:call-template name="grid-cols">
          <xsl:with-param name="columns" select="$columns"/>
          <xsl:with-param name="width" select="$width"/>
          <xsl:with-param name="short-width" select="$short-width"/>
          <xsl:with-param name="long-count" select="$long-count"/>
          <xsl:with-param name="long-weight" select="$long-weight"/>
          <xsl:with-param name="needs" select="substring-after($sums, '|')"/>
        </xsl:call-template>
      </w:tblGrid>
      <xsl:apply-templates select="table_row"/>
    </w:tbl>
    <!-- Space after the table (and keeps two tables from merging). -->
    <w:p>
      <w:pPr>
        <w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>
        <w:rPr><w:sz w:val="12"/><w:szCs w:val="12"/></w:rPr>
      </w:pPr>
    </w:p>
  </xsl:template>

  <!-- Column sizing constants: width of one character of table text (twips), the longest
       cell (in characters) of a "short" column, the cap on a long column's weight. -->
  <xsl:variable name="char-width" select="115"/>
  <!-- Tables with this many columns use TableTextSmall (8 pt), whose characters are 0.8
       as wide. -->
  <xsl:variable name="small-table-columns" select="9"/>
  <xsl:variable name="short-column" select="16"/>
  <xsl:variable name="long-cap" select="120"/>

  <!-- Need of column $i, in characters: its longest body cell (badges count their
       padding) or the longest word of its header (headers wrap between words), plus 2
       for the cell margins. Context: the table. -->
  <xsl:template name="column-need">
    <xsl:param name="i"/>
    <xsl:variable name="body">
      <xsl:for-each select="table_row[not(@header = 'true')]/table_cell[$i]">
        <xsl:sort select="string-length(normalize-space(.)) + 2 * count(badge)" data-type="number" order="descending"/>
        <xsl:if test="position() = 1"><xsl:value-of select="string-length(normalize-space(.)) + 2 * count(badge)"/></xsl:if>
      </xsl:for-each>
    </xsl:variable>
    <xsl:variable name="head">
      <xsl:call-template name="longest-word">
        <xsl:with-param name="s" select="normalize-space(table_row[@header = 'true'][1]/table_cell[$i])"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="longest" select="number($body) * number($body &gt;= $head + 1) + ($head + 1) * number($body &lt; $head + 1)"/>
    <xsl:choose>
      <xsl:when test="$longest &gt; 1"><xsl:value-of select="$longest + 2"/></xsl:when>
      <xsl:otherwise>4</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Length of the longest word of $s (words separated by single spaces). -->
  <xsl:template name="longest-word">
    <xsl:param name="s"/>
    <xsl:param name="max" select="0"/>
    <xsl:choose>
      <xsl:when test="contains($s, ' ')">
        <xsl:variable name="n" select="string-length(substring-before($s, ' '))"/>
        <xsl:call-template name="longest-word">
          <xsl:with-param name="s" select="substring-after($s, ' ')"/>
          <xsl:with-param name="max" select="$max * number($max &gt;= $n) + $n * number($max &lt; $n)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:variable name="n" select="string-length($s)"/>
        <xsl:value-of select="$max * number($max &gt;= $n) + $n * number($max &lt; $n)"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- "short-width long-count long-weight|needs" over columns $i..$columns. -->
  <xsl:template name="column-sums">
    <xsl:param name="columns"/>
    <xsl:param name="i" select="1"/>
    <xsl:param name="short-width" select="0"/>
    <xsl:param name="long-count" select="0"/>
    <xsl:param name="long-weight" select="0"/>
    <xsl:param name="needs" select="''"/>
    <xsl:choose>
      <xsl:when test="$i &gt; $columns">
        <xsl:value-of select="concat($short-width, ' ', $long-count, ' ', $long-weight, '|', $needs)"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:variable name="need">
          <xsl:call-template name="column-need"><xsl:with-param name="i" select="$i"/></xsl:call-template>
        </xsl:variable>
        <xsl:variable name="cw" select="$char-width * (1 - 0.2 * number(@columns &gt;= $small-table-columns))"/>
        <xsl:variable name="short" select="$need &lt;= $short-column + 2"/>
        <xsl:call-template name="column-sums">
          <xsl:with-param name="columns" select="$columns"/>
          <xsl:with-param name="i" select="$i + 1"/>
          <xsl:with-param name="short-width" select="$short-width + number($short) * $need * $cw"/>
          <xsl:with-param name="long-count" select="$long-count + number(not($short))"/>
          <xsl:with-param name="long-weight"
              select="$long-weight + number(not($short)) * ($need * number($need &lt;= $long-cap) + $long-cap * number($need &gt; $long-cap))"/>
          <xsl:with-param name="needs" select="concat($needs, $need, ' ')"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="grid-cols">
    <xsl:param name="columns"/>
    <xsl:param name="width"/>
    <xsl:param name="short-width"/>
    <xsl:param name="long-count"/>
    <xsl:param name="long-weight"/>
    <xsl:param name="needs"/>
    <xsl:param name="i" select="1"/>
    <xsl:if test="$i &lt;= $columns">
      <xsl:variable name="need" select="number(substring-before($needs, ' '))"/>
      <xsl:variable name="weight" select="$need * number($need &lt;= $long-cap) + $long-cap * number($need &gt; $long-cap)"/>
      <xsl:variable name="cw" select="$char-width * (1 - 0.2 * number(@columns &gt;= $small-table-columns))"/>
      <xsl:variable name="w">
        <xsl:choose>
          <!-- only short columns, or too many of them: all in proportion to their need -->
          <xsl:when test="$long-count = 0 or $short-width &gt; $width * 0.6">
            <xsl:value-of select="floor($width * $need * $cw div ($short-width + $long-weight * $cw))"/>
          </xsl:when>
          <xsl:when test="$need &lt;= $short-column + 2">
            <xsl:value-of select="$need * $cw"/>
          </xsl:when>
          <xsl:otherwise>
            <xsl:value-of select="floor(($width - $short-width) * (1 div (3 * $long-count) + 2 * $weight div (3 * $long-weight)))"/>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:variable>
      <w:gridCol w:w="{$w}"/>
      <xsl:call-template name="grid-cols">
        <xsl:with-param name="columns" select="$columns"/>
        <xsl:with-param name="width" select="$width"/>
        <xsl:with-param name="short-width" select="$short-width"/>
        <xsl:with-param name="long-count" select="$long-count"/>
        <xsl:with-param name="long-weight" select="$long-weight"/>
        <xsl:with-param name="needs" select="substring-after($needs, ' ')"/>
        <xsl:with-param name="i" select="$i + 1"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- Header rows repeat on each page and do not split; other rows may split (a tall row
       kept whole would leave half a page empty). -->
  <xsl:template match="table_row">
    <w:tr>
      <w:trPr>
        <xsl:if test="@header = 'true'"><w:cantSplit/><w:tblHeader/></xsl:if>
      </w:trPr>
      <xsl:apply-templates select="table_cell"/>
      <!-- nor a row without cells -->
      <xsl:if test="not(table_cell)"><w:tc><w:tcPr/><w:p><w:pPr><w:pStyle w:val="TableText"/></w:pPr></w:p></w:tc></xsl:if>
    </w:tr>
  </xsl:template>

  <!-- Cells hold inlines (cmark-gfm); bold in the header row comes from the run properties. -->
  <xsl:template match="table_cell">
    <w:tc>
      <w:tcPr>
        <xsl:if test="parent::table_row/@header = 'true'">
          <w:shd w:val="clear" w:color="auto" w:fill="{$header-fill}"/>
        </xsl:if>
      </w:tcPr>
      <w:p>
        <w:pPr>
          <xsl:choose>
            <!-- wide tables (training matrix) in a smaller font -->
            <xsl:when test="ancestor::table[1]/@columns &gt;= $small-table-columns"><w:pStyle w:val="TableTextSmall"/></xsl:when>
            <xsl:otherwise><w:pStyle w:val="TableText"/></xsl:otherwise>
          </xsl:choose>
          <xsl:if test="@align = 'left' or @align = 'right' or @align = 'center'">
            <w:jc w:val="{@align}"/>
          </xsl:if>
        </w:pPr>
        <!-- a row with a bookmark (a clause of the compliance matrix) gets it in its first cell -->
        <xsl:variable name="row-bookmark" select="parent::table_row[not(current()/preceding-sibling::table_cell[1])]/@bookmark"/>
        <xsl:choose>
          <xsl:when test="$row-bookmark">
            <xsl:variable name="row-bookmark-id"><xsl:number level="any" count="table_row[@bookmark]"/></xsl:variable>
            <w:bookmarkStart w:id="{$bookmark-base + $bookmarks-nested + $row-bookmark-id}" w:name="{$row-bookmark}"/>
            <xsl:apply-templates/>
            <w:bookmarkEnd w:id="{$bookmark-base + $bookmarks-nested + $row-bookmark-id}"/>
          </xsl:when>
          <xsl:otherwise><xsl:apply-templates/></xsl:otherwise>
        </xsl:choose>
      </w:p>
    </w:tc>
  </xsl:template>

  <!-- ===================================================================================
       Inlines
       =================================================================================== -->

  <!-- "run" written out for the commonest inline (a call per text node cost a tenth of a
       page's transform): change both together. -->
  <xsl:template match="text|html_inline">
    <w:r>
      <xsl:if test="not(parent::paragraph[not(ancestor::table_row)] or parent::heading or parent::table_cell[not(../@header = 'true')])">
        <xsl:call-template name="rpr"/>
      </xsl:if>
      <w:t xml:space="preserve"><xsl:value-of select="."/></w:t>
    </w:r>
  </xsl:template>

  <xsl:template match="code">
    <xsl:call-template name="run"><xsl:with-param name="style" select="'VerbatimChar'"/></xsl:call-template>
  </xsl:template>

  <xsl:template match="softbreak">
    <xsl:call-template name="run"><xsl:with-param name="text" select="' '"/></xsl:call-template>
  </xsl:template>

  <xsl:template match="linebreak">
    <w:r><w:br/></w:r>
  </xsl:template>

  <xsl:template match="emph|strong|strikethrough">
    <xsl:apply-templates/>
  </xsl:template>

  <!-- How a link is rendered: 'rid' (relationship), 'anchor' (bookmark in this document),
       or '' (plain text: blocked, or nothing to point at). -->

  <xsl:template match="link">
    <xsl:choose>
      <xsl:when test="(@kind = 'external' or @kind = 'page') and @rid and not(@same = 'true')">
        <w:hyperlink r:id="{@rid}" w:history="1">
          <!-- Word keeps the part after '#' of a link in w:anchor. -->
          <xsl:if test="@kind = 'page' and @bookmark"><xsl:attribute name="w:anchor"><xsl:value-of select="@bookmark"/></xsl:attribute></xsl:if>
          <xsl:if test="string(@title) != ''"><xsl:attribute name="w:tooltip"><xsl:value-of select="@title"/></xsl:attribute></xsl:if>
          <xsl:apply-templates/>
        </w:hyperlink>
      </xsl:when>
      <xsl:when test="@kind = 'page' and @same = 'true' and @bookmark">
        <w:hyperlink w:anchor="{@bookmark}" w:history="1">
          <xsl:if test="string(@title) != ''"><xsl:attribute name="w:tooltip"><xsl:value-of select="@title"/></xsl:attribute></xsl:if>
          <xsl:apply-templates/>
        </w:hyperlink>
      </xsl:when>
      <xsl:otherwise><xsl:apply-templates/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Pictures: local ones are embedded (scaled down to fit the page), others show their
       alt text in brackets. SVG is shown as text too: Word needs a PNG fallback for it. -->
  <xsl:template match="image">
    <xsl:variable name="alt" select="normalize-space(.)"/>
    <xsl:variable name="w0" select="number(@width-emu)"/>
    <xsl:variable name="h0" select="number(@height-emu)"/>
    <xsl:variable name="src" select="translate(@src, $upper, $lower)"/>
    <xsl:choose>
      <xsl:when test="@kind = 'local' and @rid and $w0 &gt; 0 and $h0 &gt; 0
                      and substring($src, string-length($src) - 3) != '.svg'">
        <!-- scale = min(1, max-cx / w0, max-cy / h0) -->
        <xsl:variable name="sx" select="$max-cx div $w0"/>
        <xsl:variable name="sy" select="$max-cy div $h0"/>
        <xsl:variable name="scale">
          <xsl:choose>
            <xsl:when test="$sx &gt;= 1 and $sy &gt;= 1">1</xsl:when>
            <xsl:when test="$sx &lt; $sy"><xsl:value-of select="$sx"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="$sy"/></xsl:otherwise>
          </xsl:choose>
        </xsl:variable>
        <xsl:variable name="cx" select="round($w0 * $scale)"/>
        <xsl:variable name="cy" select="round($h0 * $scale)"/>
        <xsl:variable name="n"><xsl:number level="any" count="image[@kind = 'local']"/></xsl:variable>
        <xsl:variable name="name" select="concat('Picture ', $n)"/>
        <w:r>
          <w:rPr><w:noProof/></w:rPr>
          <w:drawing>
            <wp:inline distT="0" distB="0" distL="0" distR="0">
              <wp:extent cx="{$cx}" cy="{$cy}"/>
              <wp:effectExtent l="0" t="0" r="0" b="0"/>
              <wp:docPr id="{$n}" name="{$name}" descr="{$alt}">
                <xsl:if test="string(@title) != ''"><xsl:attribute name="title"><xsl:value-of select="@title"/></xsl:attribute></xsl:if>
              </wp:docPr>
              <wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>
              <a:graphic>
                <a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">
                  <pic:pic>
                    <pic:nvPicPr>
                      <pic:cNvPr id="{$n}" name="{$name}" descr="{$alt}"/>
                      <pic:cNvPicPr><a:picLocks noChangeAspect="1" noChangeArrowheads="1"/></pic:cNvPicPr>
                    </pic:nvPicPr>
                    <pic:blipFill>
                      <a:blip r:embed="{@rid}"/>
                      <a:stretch><a:fillRect/></a:stretch>
                    </pic:blipFill>
                    <pic:spPr>
                      <a:xfrm><a:off x="0" y="0"/><a:ext cx="{$cx}" cy="{$cy}"/></a:xfrm>
                      <a:prstGeom prst="rect"><a:avLst/></a:prstGeom>
                    </pic:spPr>
                  </pic:pic>
                </a:graphicData>
              </a:graphic>
            </wp:inline>
          </w:drawing>
        </w:r>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="run">
          <xsl:with-param name="text">
            <xsl:choose>
              <xsl:when test="$alt != ''"><xsl:value-of select="concat('[', $alt, ']')"/></xsl:when>
              <xsl:otherwise>[image]</xsl:otherwise>
            </xsl:choose>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="footnote_reference">
    <xsl:choose>
      <xsl:when test="key('footnote', @n)">
        <w:r>
          <w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr>
          <w:footnoteReference w:id="{@n}"/>
        </w:r>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="run"><xsl:with-param name="text" select="concat('[', @n, ']')"/></xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="badge">
    <xsl:call-template name="badge-run">
      <xsl:with-param name="value" select="@value"/>
      <xsl:with-param name="label" select="normalize-space(.)"/>
    </xsl:call-template>
  </xsl:template>

  <!-- A coloured label. The colours are the Badge* character styles in styles.xml. -->
  <xsl:template name="badge-run">
    <xsl:param name="value"/>
    <xsl:param name="label"/>
    <xsl:variable name="v" select="translate($value, $upper, $lower)"/>
    <xsl:variable name="style">
      <xsl:choose>
        <xsl:when test="$v = 'backed' or $v = 'current' or $v = 'ok' or $v = 'done'
                        or $v = 'approved' or $v = 'released' or $v = 'effective'">BadgeOk</xsl:when>
        <xsl:when test="$v = 'gap' or $v = 'expired' or $v = 'missing' or $v = 'error' or $v = 'open'
                        or $v = 'obsolete' or $v = 'withdrawn' or $v = 'retired'">BadgeBad</xsl:when>
        <xsl:when test="$v = 'tailored' or $v = 'expiring' or $v = 'warning'
                        or $v = 'draft' or $v = 'review' or $v = 'in-review'">BadgeWarn</xsl:when>
        <xsl:otherwise>BadgeNeutral</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <w:r>
      <w:rPr><w:rStyle w:val="{$style}"/></w:rPr>
      <w:t xml:space="preserve"><xsl:value-of select="concat('&#160;', $label, '&#160;')"/></w:t>
    </w:r>
  </xsl:template>

  <!-- One run of text with the formatting of the inline elements around it. Straight inside a
       paragraph, heading or body cell (most text) nothing above it formats it: rpr's walks up the tree
       are skipped, which saves a tenth of the time a page takes. -->
  <xsl:template name="run">
    <xsl:param name="text" select="string(.)"/>
    <xsl:param name="style" select="''"/>
    <w:r>
      <xsl:choose>
        <xsl:when test="parent::paragraph[not(ancestor::table_row)] or parent::heading or parent::table_cell[not(../@header = 'true')]">
          <xsl:if test="$style != ''"><w:rPr><w:rStyle w:val="{$style}"/></w:rPr></xsl:if>
        </xsl:when>
        <xsl:otherwise>
          <xsl:call-template name="rpr"><xsl:with-param name="style" select="$style"/></xsl:call-template>
        </xsl:otherwise>
      </xsl:choose>
      <w:t xml:space="preserve"><xsl:value-of select="$text"/></w:t>
    </w:r>
  </xsl:template>

  <!-- Run properties from the ancestors: strong/emph/strikethrough, links, header rows. -->
  <xsl:template name="rpr">
    <xsl:param name="style" select="''"/>
    <!-- a link Word shows as one: to another part of the package, or to a bookmark in it -->
    <xsl:variable name="link" select="boolean(ancestor::link[1][((@kind = 'external' or @kind = 'page') and @rid and not(@same = 'true'))
                                                                or (@kind = 'page' and @same = 'true' and @bookmark)])"/>
    <xsl:variable name="b" select="ancestor::strong or ancestor::table_row[@header = 'true']"/>
    <xsl:variable name="i" select="boolean(ancestor::emph)"/>
    <xsl:variable name="s" select="boolean(ancestor::strikethrough)"/>
    <xsl:if test="$style != '' or $link or $b or $i or $s">
      <w:rPr>
        <xsl:choose>
          <xsl:when test="$style != ''"><w:rStyle w:val="{$style}"/></xsl:when>
          <xsl:when test="$link"><w:rStyle w:val="Hyperlink"/></xsl:when>
        </xsl:choose>
        <xsl:if test="$b"><w:b/><w:bCs/></xsl:if>
        <xsl:if test="$i"><w:i/><w:iCs/></xsl:if>
        <xsl:if test="$s"><w:strike/></xsl:if>
        <!-- code inside a link: monospace, and coloured like a link -->
        <xsl:if test="$style != '' and $link"><w:color w:val="0563C1"/><w:u w:val="single"/></xsl:if>
      </w:rPr>
    </xsl:if>
  </xsl:template>

  <xsl:template name="capitalize">
    <xsl:param name="s"/>
    <xsl:value-of select="concat(translate(substring($s, 1, 1), $lower, $upper), substring($s, 2))"/>
  </xsl:template>

  <!-- ===================================================================================
       word/numbering.xml: abstract 1 = bullets, 2 = ordered, 3 = task lists (no mark);
       one w:num per list (list/@num); ordered lists restart at list/@start.
       =================================================================================== -->

  <xsl:template name="numbering">
    <w:numbering>
      <xsl:call-template name="ns-decls"><xsl:with-param name="prefixes" select="' w '"/></xsl:call-template>
      <!-- (a chapter's are the combined file's: only its w:num are taken) -->
      <xsl:if test="$page/@kind != 'chapter'">
        <w:abstractNum w:abstractNumId="1">
          <w:multiLevelType w:val="hybridMultilevel"/>
          <xsl:call-template name="levels"><xsl:with-param name="kind" select="'bullet'"/></xsl:call-template>
        </w:abstractNum>
        <w:abstractNum w:abstractNumId="2">
          <w:multiLevelType w:val="hybridMultilevel"/>
          <xsl:call-template name="levels"><xsl:with-param name="kind" select="'ordered'"/></xsl:call-template>
        </w:abstractNum>
        <w:abstractNum w:abstractNumId="3">
          <w:multiLevelType w:val="hybridMultilevel"/>
          <xsl:call-template name="levels"><xsl:with-param name="kind" select="'task'"/></xsl:call-template>
        </w:abstractNum>
      </xsl:if>
      <!-- one w:num per list: techfile gives every list its own @num -->
      <xsl:for-each select="$page/document//list[@num != '']">
        <w:num w:numId="{@num}">
          <xsl:choose>
            <xsl:when test="@type = 'ordered'">
              <w:abstractNumId w:val="2"/>
              <xsl:call-template name="start-overrides">
                <xsl:with-param name="start">
                  <xsl:choose>
                    <xsl:when test="@start &gt;= 0"><xsl:value-of select="number(@start)"/></xsl:when>
                    <xsl:otherwise>1</xsl:otherwise>
                  </xsl:choose>
                </xsl:with-param>
              </xsl:call-template>
            </xsl:when>
            <xsl:when test="item and not(item[not(@task)])"><w:abstractNumId w:val="3"/></xsl:when>
            <xsl:otherwise><w:abstractNumId w:val="1"/></xsl:otherwise>
          </xsl:choose>
        </w:num>
      </xsl:for-each>
    </w:numbering>
  </xsl:template>

  <xsl:template name="levels">
    <xsl:param name="kind"/>
    <xsl:param name="i" select="0"/>
    <xsl:if test="$i &lt;= 8">
      <w:lvl w:ilvl="{$i}">
        <w:start w:val="1"/>
        <xsl:choose>
          <xsl:when test="$kind = 'ordered'">
            <w:numFmt>
              <xsl:attribute name="w:val">
                <xsl:choose>
                  <xsl:when test="$i mod 3 = 0">decimal</xsl:when>
                  <xsl:when test="$i mod 3 = 1">lowerLetter</xsl:when>
                  <xsl:otherwise>lowerRoman</xsl:otherwise>
                </xsl:choose>
              </xsl:attribute>
            </w:numFmt>
            <w:lvlText w:val="%{$i + 1}."/>
          </xsl:when>
          <xsl:when test="$kind = 'bullet'">
            <w:numFmt w:val="bullet"/>
            <w:lvlText>
              <xsl:attribute name="w:val">
                <xsl:choose>
                  <xsl:when test="$i mod 2 = 0">•</xsl:when>
                  <xsl:otherwise>–</xsl:otherwise>
                </xsl:choose>
              </xsl:attribute>
            </w:lvlText>
          </xsl:when>
          <xsl:otherwise>
            <w:numFmt w:val="none"/>
            <w:lvlText w:val=""/>
          </xsl:otherwise>
        </xsl:choose>
        <w:lvlJc w:val="left"/>
        <w:pPr>
          <w:ind w:left="{($i + 1) * $list-indent}" w:hanging="360"/>
        </w:pPr>
      </w:lvl>
      <xsl:call-template name="levels">
        <xsl:with-param name="kind" select="$kind"/>
        <xsl:with-param name="i" select="$i + 1"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <xsl:template name="start-overrides">
    <xsl:param name="start"/>
    <xsl:param name="i" select="0"/>
    <xsl:if test="$i &lt;= 8">
      <w:lvlOverride w:ilvl="{$i}"><w:startOverride w:val="{$start}"/></w:lvlOverride>
      <xsl:call-template name="start-overrides">
        <xsl:with-param name="start" select="$start"/>
        <xsl:with-param name="i" select="$i + 1"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- ===================================================================================
       word/footnotes.xml: the two separators Word expects (ids -1 and 0, referenced from
       settings.xml), then one footnote per footnote_definition, id = @n.
       =================================================================================== -->

  <xsl:template name="footnotes">
    <w:footnotes>
      <xsl:call-template name="ns-decls"/>
      <w:footnote w:type="separator" w:id="-1">
        <w:p>
          <w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
          <w:r><w:separator/></w:r>
        </w:p>
      </w:footnote>
      <w:footnote w:type="continuationSeparator" w:id="0">
        <w:p>
          <w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
          <w:r><w:continuationSeparator/></w:r>
        </w:p>
      </w:footnote>
      <xsl:for-each select="$page/document/footnote_definition[@n &gt; 0]">
        <w:footnote w:id="{@n}">
          <xsl:if test="not(*[1][self::paragraph])">
            <w:p>
              <w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>
              <w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>
            </w:p>
          </xsl:if>
          <xsl:apply-templates select="*"/>
        </w:footnote>
      </xsl:for-each>
    </w:footnotes>
  </xsl:template>

  <!-- ===================================================================================
       Header and footer
       =================================================================================== -->

  <!-- Header: "ID  ·  Version v" on the left, status in the middle unless approved, title
       on the right. -->
  <xsl:template name="header">
    <w:hdr>
      <xsl:call-template name="ns-decls"><xsl:with-param name="prefixes" select="' w r '"/></xsl:call-template>
      <w:p>
        <w:pPr><w:pStyle w:val="Header"/><xsl:call-template name="hf-tabs"/></w:pPr>
        <w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve"><xsl:value-of select="$meta/@id"/></w:t></w:r>
        <xsl:choose>
          <xsl:when test="string($meta/@version) != ''">
            <w:r><w:t xml:space="preserve"><xsl:value-of select="concat('  ·  Version ', $meta/@version)"/></w:t></w:r>
          </xsl:when>
          <xsl:when test="not($is-document)">
            <w:r><w:t xml:space="preserve"><xsl:value-of select="concat('  ·  ', $site/@build-date)"/></w:t></w:r>
          </xsl:when>
        </xsl:choose>
        <w:r><w:tab/></w:r>
        <xsl:if test="string($meta/@status) != '' and $meta/@status != 'approved'">
          <w:r>
            <w:rPr><w:b/><w:color w:val="C00000"/></w:rPr>
            <w:t xml:space="preserve"><xsl:value-of select="translate($meta/@status, $lower, $upper)"/></w:t>
          </w:r>
        </xsl:if>
        <w:r><w:tab/></w:r>
        <w:r><w:t xml:space="preserve"><xsl:value-of select="$meta/@title"/></w:t></w:r>
      </w:p>
    </w:hdr>
  </xsl:template>

  <!-- Footer: product on the left, "Page X of Y" on the right (PAGE and NUMPAGES fields). -->
  <xsl:template name="footer">
    <w:ftr>
      <xsl:call-template name="ns-decls"><xsl:with-param name="prefixes" select="' w r '"/></xsl:call-template>
      <w:p>
        <w:pPr><w:pStyle w:val="Footer"/><xsl:call-template name="hf-tabs"/></w:pPr>
        <w:r><w:t xml:space="preserve"><xsl:value-of select="$product"/></w:t></w:r>
        <w:r><w:tab/></w:r>
        <w:r><w:t xml:space="preserve"><xsl:value-of select="$site/@manufacturer"/></w:t></w:r>
        <w:r><w:tab/></w:r>
        <w:r><w:t xml:space="preserve">Page </w:t></w:r>
        <xsl:call-template name="field"><xsl:with-param name="instr" select="'PAGE'"/></xsl:call-template>
        <w:r><w:t xml:space="preserve"> of </w:t></w:r>
        <xsl:call-template name="field"><xsl:with-param name="instr" select="'NUMPAGES'"/></xsl:call-template>
      </w:p>
    </w:ftr>
  </xsl:template>

  <!-- Tab stops of the header and footer lines: centre and right margin of this page
       (the Header/Footer styles have those of a portrait page). -->
  <xsl:template name="hf-tabs">
    <xsl:if test="$text-width != 9026">
      <w:tabs>
        <w:tab w:val="clear" w:pos="4513"/>
        <w:tab w:val="center" w:pos="{floor($text-width div 2)}"/>
        <w:tab w:val="clear" w:pos="9026"/>
        <w:tab w:val="right" w:pos="{$text-width}"/>
      </w:tabs>
    </xsl:if>
  </xsl:template>

  <!-- A complex field: begin, instruction, separate, result, end. -->
  <xsl:template name="field">
    <xsl:param name="instr"/>
    <xsl:param name="result" select="'1'"/>
    <w:r><w:fldChar w:fldCharType="begin"/></w:r>
    <w:r><w:instrText xml:space="preserve"><xsl:value-of select="concat(' ', $instr, ' ')"/></w:instrText></w:r>
    <w:r><w:fldChar w:fldCharType="separate"/></w:r>
    <w:r><w:rPr><w:noProof/></w:rPr><w:t><xsl:value-of select="$result"/></w:t></w:r>
    <w:r><w:fldChar w:fldCharType="end"/></w:r>
  </xsl:template>

</xsl:stylesheet>
