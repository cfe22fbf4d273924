/**
 * An applicant at phone width: registers, finds the instant-approval item 个体工商户设立登记,
 * applies, sees the case concluded with its licence, finds it in the wallet, and anyone can
 * verify it on the public page, by the QR code's address and by number.
 */
import { expect, test } from './fixtures'
import { addToPopulationRegistry, ITEM_INSTANT, newPerson, raiseToL2, registerPerson } from './flows'

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })

test('applicant registers, gets an instant approval and the licence, which verifies', async ({ page, shot, newVisitor }) => {
  const person = newPerson('张小明')

  await page.goto('/')
  await expect(page.getByRole('heading', { name: '一网通办 · 办事不求人' })).toBeVisible()
  await shot('首页')

  // In the population registry with a phone: registered at L1, raised to L2 by the SMS code
  // (the licence and the wallet need L2).
  await addToPopulationRegistry(page.request, person)
  await registerPerson(page, person)
  await expect(page.getByText('您还没有办件')).toBeVisible()
  await shot('注册后的我的办件')
  await raiseToL2(page, person)
  await shot('实名认证（手机）')

  // Find the item by searching from the home page.
  await page.goto('/')
  await page.getByLabel('事项名称或编码').fill('个体工商户')
  await page.getByRole('button', { name: '搜索' }).click()
  await expect(page).toHaveURL(/\/items\?q=/)
  await expect(page.getByTestId('result-count')).toHaveText('（共 1 项）')
  await shot('搜索结果')
  await page.getByRole('link', { name: /个体工商户设立登记/ }).click()
  await expect(page.getByRole('heading', { name: '个体工商户设立登记' })).toBeVisible()
  await expect(page.getByText('《促进个体工商户发展条例》第八条')).toBeVisible()
  await shot('事项详情')

  await page.getByRole('button', { name: '在线办理' }).click()
  await expect(page).toHaveURL(new RegExp(`/apply/${ITEM_INSTANT}$`))
  await page.getByLabel('个体工商户名称').fill('张小明小吃店')
  await page.getByLabel('经营场所', { exact: true }).fill('示范县人民路1号')
  await page.getByLabel('经营范围').fill('小吃服务')
  await page.getByLabel('资金数额（万元）').fill('5')
  await shot('填写申请')
  await page.getByRole('button', { name: '提交申请' }).click()

  // The decision table approves at once; the case concludes with a licence within seconds.
  await expect(page).toHaveURL(/\/cases\/\d+$/)
  await expect(page.getByTestId('case-status')).toHaveText('已办结')
  await expect(page.getByTestId('case-outcome')).toContainText('已办结，电子证照已签发')
  await expect(page.getByText('符合秒批条件').first()).toBeVisible()
  const licenseNo = (await page.getByTestId('case-license-no').textContent())!.trim()
  expect(licenseNo).toMatch(/^AMR-/)
  await expect(page.locator('.case-timeline [data-status="concluded"]')).toBeVisible()
  await shot('办件已办结')

  await page.getByRole('button', { name: '查看证照' }).click()
  await expect(page.getByRole('heading', { name: '营业执照' })).toBeVisible()
  await expect(page.getByText('张小明小吃店')).toBeVisible()
  await expect(page.getByTestId('license-qr')).toBeVisible()
  await shot('电子证照与二维码')

  // The wallet lists it (reached through the phone menu); the case list shows the case concluded.
  await page.getByRole('button', { name: '打开菜单' }).click()
  const menu = page.getByRole('dialog', { name: '菜单' })
  await expect(menu.getByRole('link', { name: '我的办件' })).toBeVisible()
  await shot('手机菜单', page, { fullPage: false })
  await menu.getByRole('link', { name: '我的证照' }).click()
  await expect(page).toHaveURL(/\/my\/licenses$/)
  await expect(page.locator(`[data-license-no="${licenseNo}"]`)).toContainText('营业执照')
  await shot('我的证照')
  await page.goto('/my/cases')
  const caseCard = page.locator('.case-card').first()
  await expect(caseCard).toContainText('个体工商户设立登记')
  await expect(caseCard.getByTestId('case-status')).toHaveText('已办结')
  await shot('我的办件')

  // Anyone (no login) opens the address the QR code carries.
  const publicPage = await newVisitor({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
  await publicPage.goto(`/verify/${licenseNo}`)
  await expect(publicPage.getByTestId('verify-outcome')).toContainText('证照真实有效')
  await expect(publicPage.getByText('张*')).toBeVisible()
  await expect(publicPage.getByText('校验通过', { exact: true })).toBeVisible()
  await shot('扫码核验结果', publicPage)

  // And by number, on the verification page.
  await publicPage.goto('/verify')
  await publicPage.getByLabel('证照编号').fill(licenseNo)
  await publicPage.getByRole('button', { name: '核验' }).click()
  await expect(publicPage).toHaveURL(new RegExp(`/verify/${licenseNo}$`))
  await expect(publicPage.getByTestId('verify-outcome')).toContainText('证照真实有效')
  await shot('按编号核验', publicPage)
})
